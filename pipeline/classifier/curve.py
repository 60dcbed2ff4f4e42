"""How accuracy on real customer text grows with hand-labeled texts of the same source.

Train on everything but the source's corpus texts plus a random share of them, score on the
source's evaluation set (never trained on), and fit accuracy = a + b·log2(texts): the slope
says what each doubling of labeling buys, and where the line would cross a target. An
extrapolation, labelled as one, not a promise.
"""

from __future__ import annotations

import json
import math
import random
import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.classifier.artifact import tokenizer_for
from pipeline.classifier.corpus import (
    Labeled,
    corpus_files,
    eval_files,
    is_real,
    load_jsonl,
    unseen,
)
from pipeline.classifier.evaluate import evaluate
from pipeline.classifier.model import GapClassifier


@dataclass(frozen=True)
class Point:
    real_texts: int  # texts of the source in training
    accuracy: float  # mean over the draws
    draws: tuple[float, ...]  # one accuracy per random draw of that many texts


@dataclass(frozen=True)
class Curve:
    source: str
    evaluated_on: int  # texts in the source's evaluation set
    points: tuple[Point, ...]
    per_doubling: float  # b: accuracy gained per doubling of the source's texts
    intercept: float  # a: accuracy at one text, on the fitted line

    def texts_for(self, accuracy: float) -> float | None:
        """Where the fitted line reaches `accuracy`; None when it does not rise."""
        if self.per_doubling <= 0:
            return None
        return 2 ** ((accuracy - self.intercept) / self.per_doubling)

    def to_dict(self) -> dict:
        return {**asdict(self), "points": [asdict(p) for p in self.points]}


def sizes(total: int, steps: int = 4) -> list[int]:
    """0, then halvings of `total` up to all of it: evenly spaced on a log scale."""
    return [0, *sorted({max(1, total >> k) for k in range(steps - 1, -1, -1)})]


def fit_log2(points: Sequence[Point]) -> tuple[float, float]:
    """Least squares of accuracy on log2(texts), over points with texts > 0: (a, b)."""
    used = [(math.log2(p.real_texts), p.accuracy) for p in points if p.real_texts > 0]
    if len(used) < 2:
        raise ValueError("a line needs at least two points with real texts in training")
    slope, intercept = statistics.linear_regression(*zip(*used, strict=True))
    return intercept, slope


def learning_curve(
    assets_dir: Path,
    source: str,
    others: Sequence[Labeled],
    real: Sequence[Labeled],
    unseen: Sequence[Labeled],
    draws: int = 3,
    progress: Callable[[str], None] = lambda _: None,
) -> Curve:
    """`others`: the rest of the corpus, always in training; `real`: the source's corpus
    texts, of which growing random shares join it; `unseen`: the source's evaluation set.
    Draws are seeded, so the curve is the same on every run."""
    tokenizer = tokenizer_for(assets_dir)
    points = []
    for n in sizes(len(real)):
        accuracies = []
        for seed in range(draws if 0 < n < len(real) else 1):
            chosen = random.Random(seed).sample(list(real), n)
            model = GapClassifier("curve", tokenizer).fit([*others, *chosen])
            accuracies.append(evaluate(model, unseen, source).accuracy)
            progress(f"{source}: {n} real texts in training, draw {seed + 1}")
        points.append(Point(n, statistics.fmean(accuracies), tuple(accuracies)))
    intercept, slope = fit_log2(points)
    return Curve(source, len(unseen), tuple(points), slope, intercept)


CURVE_JSON, CURVE_MD = "learning_curve.json", "LEARNING_CURVE.md"


def real_source_curves(
    assets_dir: Path, draws: int, progress: Callable[[str], None]
) -> Iterator[Curve]:
    """The curve of each real-text source with both corpus and evaluation texts: the rest of
    the corpus always in training, the source's own corpus texts added in growing shares,
    scored on its evaluation texts that are not in the corpus."""
    corpus = {path.stem: load_jsonl([path]) for path in corpus_files(assets_dir)}
    everything = [r for rs in corpus.values() for r in rs]
    for path in eval_files(assets_dir):
        if not is_real(path) or path.stem not in corpus:
            continue
        others = [r for name, rs in corpus.items() if name != path.stem for r in rs]
        held, _ = unseen(load_jsonl([path]), everything)
        yield learning_curve(
            assets_dir, path.stem, others, corpus[path.stem], held, draws, progress
        )


def write(out: Path, curves: Sequence[Curve], target: float) -> list[Path]:
    """The figures as JSON, and a page with a chart GitHub and GitLab draw (mermaid)."""
    out.mkdir(parents=True, exist_ok=True)
    data = {"target": target, "curves": [c.to_dict() for c in curves]}
    (out / CURVE_JSON).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    lines = [
        "# Learning curve: accuracy on real customer text against hand-labeled texts",
        "",
        "Generated by `gapwatch learning-curve`; do not edit by hand. The rest of the corpus is "
        "always in training; a seeded random share of the source's own corpus texts joins it; "
        "accuracy is measured on the source's evaluation set, which is never trained on.",
        "",
    ]
    for c in curves:
        lines += _curve_section(c, target)
    (out / CURVE_MD).write_text("\n".join(lines), encoding="utf-8")
    return [out / CURVE_JSON, out / CURVE_MD]


def _curve_section(c: Curve, target: float) -> list[str]:
    xs = [p.real_texts for p in c.points]
    low = math.floor(min(min(p.accuracy for p in c.points), target) * 10) / 10
    needed = c.texts_for(target)
    reach = (
        "the fitted line does not rise"
        if needed is None
        else f"the fitted line reaches {target:.2f} at about **{needed:,.0f}** texts of this "
        f"source (extrapolated: {needed / max(xs):.1f}× what the corpus holds)"
    )
    return [
        f"## {c.source}: {c.evaluated_on} unseen texts",
        "",
        "```mermaid",
        "xychart-beta",
        f'    title "{c.source}: accuracy on unseen real text"',
        f'    x-axis "texts of the source in training" [{", ".join(map(str, xs))}]',
        f'    y-axis "accuracy" {low:.1f} --> 1.0',
        f"    line [{', '.join(f'{p.accuracy:.3f}' for p in c.points)}]",
        f"    line [{', '.join(f'{target:.2f}' for _ in xs)}]",
        "```",
        "",
        f"The upper flat line is the target, {target:.2f}; past the first step, each step "
        "on the x axis doubles the texts, so a straight rise is a constant gain per doubling.",
        "",
        "| texts of the source in training | accuracy (mean) | draws |",
        "|---|---|---|",
        *(
            f"| {p.real_texts} | {p.accuracy:.3f} | {', '.join(f'{d:.3f}' for d in p.draws)} |"
            for p in c.points
        ),
        "",
        f"Fit over the points with texts: accuracy ≈ {c.intercept:.3f} + "
        f"{c.per_doubling:.3f} · log2(texts), i.e. **{c.per_doubling:+.3f} per doubling**; "
        f"{reach}.",
        "",
    ]
