"""What the full 1–5 distribution would add to the share of 4–5 scores the detector watches.

A CUSUM's delay is about its threshold over the evidence one rating brings, the
Kullback–Leibler divergence of the drop's distribution from the baseline's. So the ratio of
the divergence of the whole distribution to that of the 4–5 share is how many times faster
a detector of the whole distribution could be, for a drop of that shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# A typical baseline: the share of each score 1..5 (4–5: 67%, the harness's p0).
TYPICAL = (0.08, 0.07, 0.18, 0.32, 0.35)
# Where the ratings lost from 4–5 go: spread as the low scores already are, or all to one.
SHAPES = {"spread": None, "to 3": 2, "to 1": 0}


def kl(p: Sequence[float], q: Sequence[float]) -> float:
    return sum(a * math.log(a / b) for a, b in zip(p, q, strict=True) if a > 0)


def dropped(base: Sequence[float], drop: float, to: int | None) -> list[float]:
    """``base`` with ``drop`` of the share of 4–5 moved to the low scores: proportionally to
    them (``to`` None) or all to score ``to + 1``."""
    top, low = sum(base[3:]), sum(base[:3])
    moved = [x * (1 - drop / top) for x in base[3:]]
    if to is None:
        return [x * (1 + drop / low) for x in base[:3]] + moved
    lows = list(base[:3])
    lows[to] += drop
    return lows + moved


def information_ratio(base: Sequence[float], drop: float, to: int | None) -> float:
    """The evidence per rating of the whole distribution over that of the 4–5 share."""
    after = dropped(base, drop, to)
    top0, top1 = sum(base[3:]), sum(after[3:])
    return kl(after, base) / kl([top1, 1 - top1], [top0, 1 - top0])
