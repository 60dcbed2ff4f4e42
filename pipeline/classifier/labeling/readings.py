"""Independent readings of a text, the label they settle on, and how far readers agree.

Every text is read twice, blind: a reader sees the text and the labeling guide only. Where
the two readings differ (gap or dimension), a third reader, as blind, reads it too and
decides. All readings stay in the data (``readings`` on each line), so the label and the
agreement can be recomputed by anyone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sklearn.metrics import cohen_kappa_score


@dataclass(frozen=True)
class Reading:
    reader: str  # one reader session; never reads the same text twice
    gap: str
    dimension: str | None

    def as_json(self) -> dict:
        return {"reader": self.reader, "gap": self.gap, "dimension": self.dimension}

    @classmethod
    def from_json(cls, item: dict) -> Reading:
        return cls(item["reader"], item["gap"], item.get("dimension"))


def needs_third(readings: Sequence[Reading]) -> bool:
    first, second = readings[0], readings[1]
    return (first.gap, first.dimension) != (second.gap, second.dimension)


def settle(readings: Sequence[Reading]) -> tuple[str, str | None]:
    """The label: the first two readings where they agree; else the majority of the three
    gaps (the third reading's when all differ), and the dimension most of the readings with
    that gap give (the third's on a tie)."""
    if len(readings) < 2:
        raise ValueError("a label needs two readings")
    if not needs_third(readings):
        return readings[0].gap, readings[0].dimension
    if len(readings) < 3:
        raise ValueError("the two readings differ: a third reading decides")
    third = readings[2]
    gaps = Counter(r.gap for r in readings[:3])
    gap, votes = gaps.most_common(1)[0]
    if votes == 1:
        gap = third.gap
    backing = [r for r in readings[:3] if r.gap == gap]
    dims = Counter(r.dimension for r in backing)
    best = max(dims.values())
    tied = {d for d, n in dims.items() if n == best}
    dimension = third.dimension if third.gap == gap and third.dimension in tied else None
    if dimension is None:
        dimension = next(r.dimension for r in backing if r.dimension in tied)
    return gap, dimension


@dataclass(frozen=True)
class Agreement:
    texts: int
    accuracy: float
    kappa: float


def agreement(pairs: Iterable[tuple[object, object]]) -> Agreement:
    """Share of texts two readings label alike, and Cohen's kappa (agreement beyond what
    the two readers' label frequencies give by chance)."""
    both = [(str(a), str(b)) for a, b in pairs]
    if not both:
        return Agreement(0, float("nan"), float("nan"))
    first, second = [a for a, _ in both], [b for _, b in both]
    same = sum(a == b for a, b in zip(first, second, strict=True))
    kappa = cohen_kappa_score(first, second) if len(set(first) | set(second)) > 1 else 1.0
    return Agreement(len(first), same / len(first), float(kappa))
