"""How fast the detector finds a drop, against the optimum, cell by cell.

A cell is a rate (ratings an hour, constant, as B assumes), a drop size and where the lost
ratings go. Each store in it has a top-2 share that wanders from day to day (sd drawn up to
``max_wander``), a week of history, then a sudden drop at a random moment of a day that
lasts 4·B plus an hour; the store scope's first alert after the drop counts, with the delay
a person would see (to the end of the window that raised it). B is pipeline.alerting
.optimum's exact value: the optimum of a detector of the share of 4–5 alone. Scores are
drawn whole (1–5): the lost 4–5 ratings become low scores as low scores already are
("spread"), or all 1s ("to 1"), where the share of 1s proves the drop faster than B.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from pipeline.alerting.detector import Detector, DetectorConfig, Scope, Window
from pipeline.alerting.optimum import optimum

START = datetime(2026, 1, 5, tzinfo=UTC)
P0 = 0.67  # the share B is quoted at
# Scores within the low mass (1, 2, 3) before a drop; 4s and 5s are even.
_LOW = np.array([0.25, 0.25, 0.5])
SHAPES = ("spread", "to 1")


@dataclass(frozen=True)
class Cell:
    rate: float  # ratings an hour
    drop: float  # points of top-2 share
    seed: int
    b_minutes: float  # the optimum's mean delay
    window_minutes: float
    delays: tuple[float | None, ...]  # minutes from each drop to its first store alert
    shape: str = "spread"  # where the lost 4–5 ratings go

    @property
    def coverage(self) -> float:
        """Share of drops alerted before they ended (each lasts 4·B and an hour)."""
        return sum(d is not None for d in self.delays) / len(self.delays)

    def quantile(self, q: float) -> float | None:
        """A quantile of the delay in minutes, a drop never alerted counting as infinitely
        late; None when that quantile was never alerted."""
        ordered = sorted(np.inf if d is None else d for d in self.delays)
        value = float(np.quantile(ordered, q, method="inverted_cdf"))
        return None if np.isinf(value) else value

    def of_b(self, q: float) -> float | None:
        value = self.quantile(q)
        return None if value is None else value / self.b_minutes

    def meets(self, q: float, times_b: float) -> bool:
        """Whether the quantile is within ``times_b``·B plus one window."""
        value = self.quantile(q)
        return value is not None and value <= times_b * self.b_minutes + self.window_minutes


def measure(
    rate: float,
    drop: float,
    stores: int = 40,
    seed: int = 7,
    config: DetectorConfig | None = None,
    max_wander: float = 0.02,
    history: timedelta = timedelta(days=7),
    shape: str = "spread",
) -> Cell:
    config = config or DetectorConfig()
    rng = np.random.default_rng([seed, int(rate), int(drop * 1000)])
    # Which low score each low rating is, from a stream of its own: the rest of the draws
    # (volume, share of 4–5) are the same whatever the shape.
    lows = np.random.default_rng([seed, int(rate), int(drop * 1000), 1])
    b = optimum(rate, drop, P0).minutes
    lasts = timedelta(minutes=4 * b + 60)
    per_window = rate * (config.window / timedelta(hours=1))
    drop_at = [history + rng.uniform(0, 1) * timedelta(days=1) for _ in range(stores)]
    days = int((history + timedelta(days=1) + lasts) / timedelta(days=1)) + 1
    wander = rng.uniform(0, max_wander, stores)[:, None] * rng.standard_normal((stores, days))
    windows = int((history + timedelta(days=1) + lasts) / config.window)
    detector = Detector(config)
    first: list[datetime | None] = [None] * stores
    for i in range(windows):
        at = START + i * config.window
        for s in range(stores):
            start = START + drop_at[s]
            share = P0 + wander[s, i * config.window // timedelta(days=1)]
            dropped = start <= at < start + lasts
            top, ones_share = _shares(share, drop, dropped, shape)
            n = int(rng.poisson(per_window))
            top2 = int(rng.binomial(n, top))
            fives = int(rng.binomial(top2, 0.5))
            low = n - top2
            ones = int(lows.binomial(low, ones_share / (1 - top)))
            twos = int(lows.binomial(low - ones, 1 / 3))  # 2s and 3s as 1 to 2, as _LOW has it
            score = ones + 2 * twos + 3 * (low - ones - twos) + 4 * top2 + fives
            window = Window(Scope("store", f"S{s:03d}"), at, n, top2, score, ones)
            for alert in detector.observe(window):
                raised = at + config.window  # when the window closed: what a person sees
                if alert.resolved_at is None and first[s] is None and start < raised:
                    first[s] = raised
    delays = tuple(
        None
        if found is None or found > START + drop_at[s] + lasts
        else (found - (START + drop_at[s])) / timedelta(minutes=1)
        for s, found in enumerate(first)
    )
    return Cell(rate, drop, seed, b, config.window / timedelta(minutes=1), delays, shape)


def _shares(share: float, drop: float, dropped: bool, shape: str) -> tuple[float, float]:
    """The share of 4–5 at this level, less the drop if it is on, and the share of 1s: the
    usual part of the low scores, plus every lost rating if they all become 1s."""
    before = min(0.99, max(0.01, share))
    top = min(0.99, max(0.01, share - drop)) if dropped else before
    if dropped and shape == "to 1":
        return top, (1 - before) * _LOW[0] + (before - top)
    return top, (1 - top) * _LOW[0]


# The cells the targets speak of: drops of 15 points and more from 20 ratings an hour, and
# of 10 points from 160 an hour.
RATES = (20, 40, 80, 160, 320, 640)
CELLS = tuple((d, r) for d in (0.10, 0.15, 0.25) for r in RATES if d > 0.10 or r >= 160)


def grid(
    seeds: Sequence[int],
    stores: int = 40,
    config: DetectorConfig | None = None,
    cells: Sequence[tuple[float, float]] = CELLS,
    progress: Callable[[str], None] = lambda _step: None,
) -> list[Cell]:
    measured = []
    for seed in seeds:
        for drop, rate in cells:
            progress(f"seed {seed}: {drop:.0%} drop at {rate:g} ratings/h")
            measured.append(measure(rate, drop, stores, seed, config))
    return measured
