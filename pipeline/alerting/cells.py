"""The detector against the optimum, cell by cell: stores at a constant rate and top-2 share,
a sudden drop at a random moment after the warm-up, and how long the real Detector takes to
alert on the store scope, as a multiple of B (pipeline.alerting.optimum).

This is the measurement behind issue #21's table: no daily rhythm, no day-to-day wander, so
what it shows is the detector's own speed. The scenarios of pipeline.alerting.harness are
where false alerts are counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from pipeline.alerting.detector import Detector, DetectorConfig, Scope, Window
from pipeline.alerting.optimum import optimum

START = datetime(2026, 1, 5, tzinfo=UTC)
FOLLOW_UP = timedelta(hours=16)


@dataclass(frozen=True)
class Cell:
    rate: float  # ratings an hour
    drop: float  # points of top-2 share
    b_minutes: float  # the optimum's mean delay
    delays: tuple[float | None, ...]  # minutes from each drop to its first store alert

    @property
    def coverage(self) -> float:
        """Share of drops alerted within the follow-up."""
        return sum(d is not None for d in self.delays) / len(self.delays)

    def quantile_of_b(self, q: float) -> float | None:
        """A quantile of the delay over B, drops never alerted counting as infinitely late;
        None when that quantile was never alerted."""
        ordered = sorted(np.inf if d is None else d for d in self.delays)
        value = float(np.quantile(ordered, q, method="inverted_cdf"))
        return None if np.isinf(value) else value / self.b_minutes


def measure(
    rate: float,
    drop: float,
    stores: int = 200,
    seed: int = 7,
    p0: float = 0.67,
    config: DetectorConfig | None = None,
    warmup: timedelta = timedelta(days=3, hours=12),
) -> Cell:
    """Drops of ``drop`` at ``rate`` ratings an hour, one per store, each at a random moment
    in the day after ``warmup``; the store scope's first alert after it counts."""
    config = config or DetectorConfig()
    rng = np.random.default_rng(seed)
    per_window = rate * (config.window / timedelta(hours=1))
    windows = int((warmup + timedelta(days=1) + FOLLOW_UP) / config.window)
    drop_at = [warmup + rng.uniform(0, 1) * timedelta(days=1) for _ in range(stores)]
    detector = Detector(config)
    first: list[datetime | None] = [None] * stores
    for i in range(windows):
        at = START + i * config.window
        for s in range(stores):
            share = p0 - drop if at - START >= drop_at[s] else p0
            n = int(rng.poisson(per_window))
            top2 = int(rng.binomial(n, share))
            # Scores: 4 or 5 for the top-2, 1 to 3 otherwise, evenly; only the share matters.
            score = 4 * top2 + int(rng.binomial(top2, 0.5)) + 2 * (n - top2)
            scope = Scope("store", f"S{s:03d}")
            for alert in detector.observe(Window(scope, at, n, top2, score)):
                # Raised when this window closed: the delay a person would see.
                raised = at + config.window
                if alert.resolved_at is None and first[s] is None and raised > START + drop_at[s]:
                    first[s] = raised
    delays = tuple(
        None
        if found is None or found - (START + start) > FOLLOW_UP
        else (found - (START + start)) / timedelta(minutes=1)
        for found, start in zip(first, drop_at, strict=True)
    )
    return Cell(rate, drop, optimum(rate, drop, p0).minutes, delays)


def grid(
    rates: Sequence[float],
    drops: Sequence[float],
    stores: int = 200,
    seed: int = 7,
    config: DetectorConfig | None = None,
    progress: Callable[[str], None] = lambda _step: None,
) -> list[Cell]:
    cells = []
    for drop in drops:
        for rate in rates:
            progress(f"{drop:.0%} drop at {rate:g} ratings/h")
            cells.append(measure(rate, drop, stores, seed, config=config))
    return cells
