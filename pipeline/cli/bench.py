"""Benchmarks: each prints its figures as a table."""

from __future__ import annotations

import tempfile
from contextlib import closing
from pathlib import Path

import click

from pipeline.cli._root import main, settings
from pipeline.config import PROJECT_ROOT


@main.group()
def bench() -> None:
    """Measure speed on this machine; figures are printed, never asserted."""


@bench.command("warehouse")
@click.option("--events", default=10_000_000, show_default=True)
@click.option("--complaints", default=1_000_000, show_default=True)
@click.option(
    "--repeats", default=5, show_default=True, help="Runs per query; the median is shown."
)
@click.option(
    "--path",
    type=click.Path(path_type=Path, file_okay=False),
    help="chDB path to seed (default: a fresh temporary one).",
)
def bench_warehouse(events: int, complaints: int, repeats: int, path: Path | None) -> None:
    """Seed a chDB warehouse with EVENTS ratings and COMPLAINTS, then time every query."""
    from rich.table import Table

    from pipeline.bench.warehouse import seed, time_queries
    from pipeline.cli._root import console as rich_console
    from pipeline.warehouse import connect
    from pipeline.warehouse.library import library
    from pipeline.warehouse.setup import prepare_warehouse

    config = settings()
    console = rich_console()
    with tempfile.TemporaryDirectory(prefix="gapwatch-bench-") as scratch:
        target = path or Path(scratch) / "chdb"
        with closing(connect(f"chdb://{target}")) as client:
            prepare_warehouse(client, config)
            rate = seed(client, events, complaints)
            console.print(
                f"seeded {events:,} events and {complaints:,} complaints into {target} "
                f"at {rate:,.0f} rows/s (materialized views included)"
            )
            timings = time_queries(
                client, library(config.infra_dir / "clickhouse" / "queries"), repeats
            )
    out = Table(title=f"Query times on chDB, median of {repeats}", header_style="bold")
    for column in ("query", "kind", "median", "worst", "rows", "< 1 s"):
        out.add_column(column)
    for t in timings:
        ok = "[green]yes[/]" if t.worst_s < 1 else "[red]NO[/]"
        out.add_row(
            t.name,
            t.kind,
            f"{t.median_s * 1000:,.0f} ms",
            f"{t.worst_s * 1000:,.0f} ms",
            f"{t.rows:,}",
            ok,
        )
    console.print(out)


@bench.command("pipeline")
@click.option("--events", default=100_000, show_default=True)
@click.option(
    "--complaints",
    default=24_000,
    show_default=True,
    help="Complaints, drawn from the unseen evaluation texts.",
)
@click.option(
    "--latency-seconds",
    default=30.0,
    show_default=True,
    help="Length of the steady run (600 for the memory soak).",
)
@click.option("--rate", default=1000.0, show_default=True, help="Events/s in the steady run.")
@click.option(
    "--rounds",
    default=3,
    show_default=True,
    help="Rounds of each throughput pair (ceiling, pipeline); medians are reported.",
)
@click.option(
    "--write",
    "write_to",
    type=click.Path(path_type=Path, dir_okay=False),
    default=PROJECT_ROOT / "docs" / "benchmarks.md",  # the repository's, wherever run from
    show_default="docs/benchmarks.md of the repository",
    help="Markdown file whose marked results block is replaced with this run's.",
)
def bench_pipeline(
    events: int,
    complaints: int,
    latency_seconds: float,
    rate: float,
    rounds: int,
    write_to: Path,
) -> None:
    """Pipeline throughput and latency beside the ceilings of its parts, in one run."""
    import logging
    import shlex
    import sys

    from rich.table import Table

    from pipeline.bench import record
    from pipeline.bench.pipeline import run
    from pipeline.cli._root import console as rich_console

    logging.basicConfig(level=logging.WARNING)
    console = rich_console()
    machine = record.machine()  # the load average before the run, not the one it causes
    with console.status("measuring ceilings, then the pipeline…"):
        report = run(settings(), events, complaints, latency_seconds, rate, rounds)
    out = Table(
        title="GapWatch pipeline benchmark (embedded stack, one worker process)",
        header_style="bold",
    )
    for column in ("figure", "median", "rounds", "of its ceiling"):
        out.add_column(column)
    for f in report.figures:
        share = report.share(f)
        shown = "" if share is None else f"{share:.0%} of “{f.ceiling}”"
        out.add_row(f.name, f"{f.value:,.0f} {f.unit}", f.rounds, shown)
    console.print(out)
    for note in report.notes:
        console.print(note)
    command = "gapwatch " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    record.write(
        write_to, "gapwatch bench pipeline", record.section(report, command, machine, rounds)
    )
    console.print(f"results written to {write_to}")


@bench.command("peers")
@click.option("--events", default=100_000, show_default=True)
@click.option(
    "--rounds",
    default=3,
    show_default=True,
    help="Rounds; each runs every system once, and medians are reported.",
)
@click.option(
    "--complaints",
    default=0,
    show_default=True,
    help="Also complaints with classification (the unseen evaluation texts); 0: none.",
)
@click.option(
    "--write",
    "write_to",
    type=click.Path(path_type=Path, dir_okay=False),
    default=PROJECT_ROOT / "docs" / "benchmarks.md",
    show_default="docs/benchmarks.md of the repository",
    help="Markdown file whose marked peers block is replaced with this run's.",
)
def bench_peers(events: int, rounds: int, complaints: int, write_to: Path) -> None:
    """`gapwatch worker` beside a Quix Streams app, a confluent-kafka loop and chDB's Kafka
    engine, each validating the same pre-filled events and writing them to its own chDB."""
    import logging
    import shlex
    import sys

    from rich.markup import escape
    from rich.table import Table

    from pipeline.bench import record
    from pipeline.bench.peers import run
    from pipeline.bench.peers_table import COLUMNS, row, section
    from pipeline.cli._root import console as rich_console

    logging.basicConfig(level=logging.WARNING)
    # kafka-python (filling the topic) logs its ApiVersions fallback against the embedded
    # broker as an error on every connection, then works.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    console = rich_console()
    machine = record.machine()  # the load average before the run, not the one it causes
    with console.status(f"{rounds} round(s) of {events:,} events through each system…"):
        report = run(settings(), events, rounds, complaints)
    out = Table(
        title=f"GapWatch and its peers: {events:,} satisfaction events, validated and written",
        header_style="bold",
    )
    for column in COLUMNS:
        out.add_column(column)
    for system in report.systems:
        cells = [escape(c) for c in row(report, system)]
        style = "red" if system.errors else None
        out.add_row(*cells, style=style)
    console.print(out)
    for note in report.notes:
        console.print(note)
    command = "gapwatch " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    record.write(write_to, "gapwatch bench peers", section(report, command, machine))
    console.print(f"results written to {write_to}")


@bench.command("classifier")
@click.option("--docs", default=20_000, show_default=True, help="Complaints to classify.")
@click.option("--batch", default=1000, show_default=True, help="Texts per model call.")
def bench_classifier(docs: int, batch: int) -> None:
    """Classification throughput on one core, in batches, on unseen texts (models/eval)."""
    from pipeline.bench.classifier import measure, pin_to_one_core, texts_for
    from pipeline.classifier import load_or_build
    from pipeline.classifier.files import SERVING, tokenizer_for
    from pipeline.classifier.serving import ServingModel

    config = settings()
    core = pin_to_one_core()
    model_dir, assets_dir = config.classifier.model_dir, config.classifier.assets_dir
    model = load_or_build(model_dir, assets_dir)
    served = ServingModel.load(model_dir / SERVING, tokenizer_for(assets_dir))
    texts = texts_for(assets_dir, docs)
    # What a worker runs first; the scikit-learn model it was exported from beside it.
    result, sklearn = measure(served, texts, batch), measure(model, texts, batch)
    click.echo(
        f"classifier {model.version} on core {core}: {result.docs:,} complaints "
        f"(mean {result.mean_chars:.0f} characters) in batches of {result.batch:,}: "
        f"{result.docs_per_s:,.0f} docs/s per core as a worker serves it "
        f"(the scikit-learn model: {sklearn.docs_per_s:,.0f}); tokenizing alone (same texts, "
        f"same run) {result.tokenize_docs_per_s:,.0f} docs/s, {result.tokenize_share:.0%} "
        "of the time"
    )
