"""The detector's evidence, per signal: the shares it watches, the counts it learns them
from, and the CUSUMs that weigh each window (pipeline.alerting.detector runs them)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.alerting.events import DetectorConfig, Window


@dataclass(frozen=True)
class Signal:
    """A share of the ratings the detector watches for a drop."""

    name: str
    hits: Callable[[Window], int]  # the window's ratings that count toward the share
    drops: Callable[[DetectorConfig], tuple[float, ...]]
    trigger: Callable[[float], str]  # the alert's trigger, from the drop size that crossed
    quieter: Callable[[DetectorConfig], float]  # its false-alert budget's multiple


SIGNALS = (
    Signal(
        "top2",
        lambda w: w.top2,
        lambda c: c.drops,
        lambda drop: "sudden" if drop >= 0.25 else "sustained",
        lambda _: 1.0,
    ),
    Signal(
        "above1",
        lambda w: w.ratings - w.ones,
        lambda c: c.one_drops,
        lambda _: "low_scores",
        lambda c: c.ones_quieter,
    ),
)


@dataclass
class Counts:
    n: float = 0.0
    hits: float = 0.0
    score: float = 0.0

    def decay_add(self, keep: float, n: float, hits: float, score: float) -> None:
        self.n = keep * self.n + n
        self.hits = keep * self.hits + hits
        self.score = keep * self.score + score

    def share(self) -> float:
        return self.hits / self.n


@dataclass
class Cusum:
    """One drop size's CUSUM, and the ratings gathered since it last stood at zero."""

    drop: float
    value: float = 0.0
    start: datetime | None = None
    n: int = 0
    top2: int = 0
    score: int = 0

    def add(self, w: Window, llr: float) -> None:
        self.value = max(0.0, self.value + llr)
        if self.value == 0.0:
            self.reset()
            return
        if self.start is None:
            self.start = w.start
        self.n += w.ratings
        self.top2 += w.top2
        self.score += w.score_sum

    def reset(self) -> None:
        self.value, self.start, self.n, self.top2, self.score = 0.0, None, 0, 0, 0


@dataclass
class Day:
    """A day of learned windows: its ratings against what the baseline expected."""

    day: int = -1
    n: int = 0
    hits: int = 0
    expected: float = 0.0


@dataclass
class SignalState:
    """What a scope knows of one signal: its level, rhythm, wander and CUSUM bank."""

    bank: list[Cusum]
    all_day: Counts = field(default_factory=Counts)
    by_hour: list[Counts] = field(default_factory=lambda: [Counts() for _ in range(24)])
    wander: float = 0.0  # variance of a day's share around the baseline, beyond binomial
    wander_days: float = 0.0
    today: Day = field(default_factory=Day)
    hour_prior: float = 1500.0  # see DetectorConfig.hour_prior_ratings
    recent_n: float = 0.0  # learned ratings of the last hours, faded
    recent_residual: float = 0.0  # their hits less the baseline's expectation


@dataclass
class Peers:
    """What stores share, per signal: their pooled level and hour-of-day profile (learned
    windows of store scopes only, so the overall scope does not count them twice), and
    their typical day-to-day sd."""

    level: Counts = field(default_factory=Counts)
    by_hour: list[Counts] = field(default_factory=lambda: [Counts() for _ in range(24)])
    wander: float | None = None


def llr(n: int, hits: int, ref: float, alt: float) -> float:
    """Evidence (nats) that a window's share is ``alt`` rather than ``ref``."""
    return hits * math.log(alt / ref) + (n - hits) * math.log((1 - alt) / (1 - ref))
