"""The classifier's commands: classify, train, evaluate, learning-curve, and the review loop."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click
import orjson

from pipeline.cli._root import main, settings, with_warehouse
from pipeline.config import Settings

if TYPE_CHECKING:
    from rich.console import Console

    from pipeline.classifier.assessment import Assessment
    from pipeline.classifier.evaluate import Report

BATCH = 1000  # lines classified per model call: vectorised, and output flows as it goes


@main.command()
@click.argument("file", type=click.File("rb"), default="-")
def classify(file: IO[bytes]) -> None:
    """Classify JSON lines {"id": …, "text": …} from FILE (default stdin); one JSON line out
    per line in, in order. A bad line gets {"id", "error"} and the run goes on."""
    from pipeline.classifier import load_or_build

    config = settings()
    model = load_or_build(config.classifier.model_dir, config.classifier.assets_dir)
    out = sys.stdout.buffer
    for chunk in _chunks(file, BATCH):
        parsed = [_parse(line, config.messages.max_text_chars) for line in chunk]
        texts = [text for _, text, error in parsed if error is None]
        predictions = iter(model.predict(texts))
        for item_id, _, error in parsed:
            if error is not None:
                out.write(orjson.dumps({"id": item_id, "error": error}) + b"\n")
                continue
            p = next(predictions)
            record = {
                "id": item_id,
                "gap": p.gap,
                "gap_confidence": round(p.gap_confidence, 4),
                "dimension": p.dimension,
                "dimension_confidence": round(p.dimension_confidence, 4),
                "model_version": p.model_version,
                "terms": list(p.terms),
            }
            out.write(orjson.dumps(record) + b"\n")
        out.flush()


def _chunks(file: IO[bytes], size: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    for line in file:
        chunk.append(line)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parse(line: bytes, max_chars: int) -> tuple[object, str, str | None]:
    """(id, text, error): error is None for a line we can classify. A blank line gets its
    own error line, so the output keeps one line per line in."""
    if not line.strip():
        return None, "", "empty line"
    try:
        item = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return None, "", f"not JSON: {exc}"
    if not isinstance(item, dict):
        return None, "", "expected a JSON object with id and text"
    item_id = item.get("id")
    if item_id is None or isinstance(item_id, (dict, list)):
        return item_id, "", "id is missing or not a string or number"
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        return item_id, "", "text is missing, empty or not a string"
    if len(text) > max_chars:
        return item_id, "", f"text is longer than {max_chars} characters"
    return item_id, text, None


@main.command(name="train")
@click.option(
    "--without-reviews", is_flag=True, help="Train on the corpus only, not the warehouse's labels."
)
def train_command(without_reviews: bool) -> None:
    """Rebuild the classifier in GAPWATCH_MODEL_DIR from the corpus plus every review label
    stored in the warehouse. Running workers switch to it within GAPWATCH_MODEL_RELOAD_SECONDS."""
    from pipeline.classifier import Labeled, train
    from pipeline.classifier.artifact import save
    from pipeline.cli._root import console as rich_console
    from pipeline.terminal import training_bar

    config = settings()
    corrections = [] if without_reviews else _corrections(config)
    started = time.monotonic()
    click.echo(f"training on the corpus and {len(corrections)} review labels…", err=True)
    with training_bar(rich_console(stderr=True), "training") as progress:
        model = train(config.classifier.assets_dir, [Labeled(*c) for c in corrections], progress)
    save(model, config.classifier.model_dir)
    click.echo(
        f"model {model.version}: {model.texts} texts, {time.monotonic() - started:.0f} s, "
        f"saved in {config.classifier.model_dir}"
    )


def _corrections(config: Settings) -> list[tuple[str, str, str | None]]:
    from pipeline.warehouse.review import stored

    try:
        return with_warehouse(stored, config, migrated=True)
    except click.ClickException as exc:
        raise click.ClickException(f"{exc.message} (or train with --without-reviews)") from None


@main.command(name="evaluate")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where metrics.json and MODEL_CARD.md go (default: GAPWATCH_ASSETS_DIR, models/).",
)
@click.option(
    "--reviewed",
    default=100,
    show_default=True,
    help="Texts reviewed per domain in the review experiment (0: skip it; it trains three "
    "models per domain).",
)
def evaluate_command(out: Path | None, reviewed: int) -> None:
    """Score the model in GAPWATCH_MODEL_DIR on every set in models/eval/ (per class, per
    domain, beside the readers' agreement); then, per domain, leave it out, add REVIEWED of
    its texts chosen as the review loop chooses them, and beside it as many at random. Writes
    the figures and a model card."""
    from rich.progress import Progress

    from pipeline.classifier.assessment import assess
    from pipeline.classifier.card import write
    from pipeline.cli._root import console as rich_console

    config = settings()
    console = rich_console()
    with Progress(transient=True, console=console) as progress:
        task = progress.add_task("scoring", total=None)
        result = assess(
            config.classifier.model_dir,
            config.classifier.assets_dir,
            reviewed,
            lambda step: progress.update(task, description=step),
        )
    if not result.reports:
        raise click.ClickException(f"no evaluation sets in {config.classifier.assets_dir / 'eval'}")
    for name, dropped in result.dropped.items():
        console.print(f"{name}: {dropped} texts also in the corpus, not counted")
    for report in result.reports:
        _print(console, report)
    _print_agreement(console, result)
    for gain in result.review_gains:
        console.print(
            f"review, {gain.domain}: {gain.before:.3f} without it → {gain.after_review:.3f} "
            f"with {gain.reviewed} reviewed (least confident first), {gain.after_random:.3f} "
            f"with {gain.reviewed} random; {gain.held_out} texts scored"
        )
    for path in write(out or config.classifier.assets_dir, result):
        console.print(f"wrote {path}")


def _print_agreement(console: Console, result: Assessment) -> None:
    from pipeline.terminal import table

    rows = [
        (
            a.domain,
            a.texts,
            f"{a.gap.accuracy:.3f}",
            f"{a.gap.kappa:.3f}",
            f"{a.reader_vs_label.accuracy:.3f}",
        )
        for a in [*result.real_agreement, *result.our_agreement]
    ]
    console.print(
        table(
            ["domain", "texts", "readers agree", "kappa", "one reader vs label"],
            rows,
            title="reader agreement (the ceiling)",
        )
    )


@main.command(name="learning-curve")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where learning_curve.json and LEARNING_CURVE.md go (default: GAPWATCH_ASSETS_DIR).",
)
@click.option("--draws", default=3, show_default=True, help="Random draws per size.")
@click.option(
    "--target", default=0.80, show_default=True, help="Accuracy the chart and the fit aim at."
)
def learning_curve_command(out: Path | None, draws: int, target: float) -> None:
    """For each real-text source with both corpus and evaluation texts: retrain with 0, ⅛,
    ¼, ½ and all of its corpus texts, score on its evaluation set, and fit accuracy against
    log2(texts): what more hand labeling would buy. Trains a dozen models: minutes."""
    from rich.progress import Progress

    from pipeline.classifier.curve import real_source_curves, write

    config = settings()
    curves = []
    with Progress(transient=True) as progress:
        task = progress.add_task("training", total=None)
        for curve in real_source_curves(
            config.classifier.assets_dir,
            draws,
            lambda step: progress.update(task, description=step),
        ):
            curves.append(curve)
            for point in curve.points:
                click.echo(f"{curve.source}: {point.real_texts:>5} texts → {point.accuracy:.3f}")
            needed = curve.texts_for(target)
            click.echo(
                f"{curve.source}: {curve.per_doubling:+.3f} per doubling; {target:.2f} at about "
                + ("never (no rise)" if needed is None else f"{needed:,.0f} texts")
            )
    if not curves:
        raise click.ClickException(
            "no real-text source has both corpus and evaluation texts in "
            f"{config.classifier.assets_dir}"
        )
    for written in write(out or config.classifier.assets_dir, curves, target):
        click.echo(f"wrote {written}")


def _print(console: Console, report: Report) -> None:
    from pipeline.gaps import GAPS, NAMES
    from pipeline.terminal import table

    rows = [
        (c.label, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}", c.support)
        for c in report.classes
    ]
    title = (
        f"{report.name}: {report.texts} texts — accuracy {report.accuracy:.3f}, "
        f"macro-F1 {report.macro_f1:.3f}, dimension accuracy {report.dimension_accuracy:.3f}, "
        f"calibration error {report.calibration_error:.3f}"
    )
    console.print(table(["gap", "precision", "recall", "F1", "texts"], rows, title=title))
    short = [NAMES[g].short for g in GAPS]
    matrix = [[short[i], *row] for i, row in enumerate(report.confusion)]
    console.print(table(["true ↓ predicted →", *short], matrix, title="confusion matrix"))


@main.group()
def review() -> None:
    """The review loop: low-confidence predictions out for labeling, human labels back in."""


@review.command(name="export")
@click.option(
    "--out", type=click.File("wb", lazy=False), default="-", help="JSON lines (default stdout)."
)
@click.option(
    "--limit", default=500, show_default=True, help="At most this many, least sure first."
)
def review_export(out: IO[bytes], limit: int) -> None:
    """Write the predictions waiting in review_queue (not labeled yet) as JSON lines: fill in
    "gap" and "dimension" and give the file to `gapwatch review import`."""
    from pipeline.warehouse.review import waiting

    rows = with_warehouse(lambda client: waiting(client, limit))
    for row in rows:
        out.write(orjson.dumps(row) + b"\n")
    click.echo(f"{len(rows)} predictions to review", err=True)


@review.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def review_import(file: Path) -> None:
    """Store human labels from FILE (JSON lines with text, gap, dimension and optional id)
    in the warehouse. Invalid lines are listed with their reason; the valid ones are stored.
    Exits 1 when any line was refused."""
    from pydantic import ValidationError

    from pipeline.contracts.review_label import ReviewLabel
    from pipeline.warehouse.review import store

    labels, refused = [], 0
    for n, line in enumerate(file.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            labels.append(ReviewLabel.model_validate_json(line))
        except ValidationError as exc:
            refused += 1
            reason = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in exc.errors()
            )
            click.echo(f"{file.name}:{n}: {reason}", err=True)
    stored = with_warehouse(lambda client: store(client, labels, file.name), migrated=True)
    click.echo(f"stored {stored} labels from {file.name}; refused {refused} lines")
    click.echo("run `gapwatch train` to use them", err=True)
    if refused:
        raise SystemExit(1)
