"""How soon the daily drift check (pipeline.alerting.slow) flags a slow drift, and how often
it flags a store that is not drifting.

Each store has a level that wanders from day to day (AR(1), sd drawn up to 2 points), 46
days of history, then loses 10 points of top-2 share linearly over 14 days; its null twin
does not. One window per day carries the day's ratings (the checks see whole days only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from pipeline.alerting.events import Scope, Window
from pipeline.alerting.slow import SlowChecks, SlowConfig

START = datetime(2026, 1, 5, 12, tzinfo=UTC)
HISTORY_DAYS = 46
DRIFT_DAYS = 14
DRIFT = 0.10
# A day's ratings per ratings an hour at the busiest hour (the harness's daily rhythm).
DAY_PER_BUSIEST_HOUR = 8.4


@dataclass(frozen=True)
class Drifts:
    rate: float
    seed: int
    flagged_on: tuple[int | None, ...]  # day of the drift each store was first flagged
    false_flags: int
    store_days: int

    def flagged_by(self, day: int) -> float:
        return sum(d is not None and d <= day for d in self.flagged_on) / len(self.flagged_on)

    @property
    def false_per_100_store_days(self) -> float:
        return 100 * self.false_flags / self.store_days


def measure(
    rate: float, stores: int = 300, seed: int = 7, config: SlowConfig | None = None
) -> Drifts:
    rng = np.random.default_rng([seed, int(rate), 3])
    days = HISTORY_DAYS + DRIFT_DAYS
    sd = rng.uniform(0.005, 0.02, stores)[:, None]
    level = np.zeros((stores, days))
    shocks = rng.standard_normal((stores, days))
    level[:, 0] = sd[:, 0] * shocks[:, 0]
    for t in range(1, days):
        level[:, t] = 0.5 * level[:, t - 1] + np.sqrt(0.75) * sd[:, 0] * shocks[:, t]
    drift = np.zeros(days)
    drift[HISTORY_DAYS:] = DRIFT * np.arange(1, DRIFT_DAYS + 1) / DRIFT_DAYS
    share = 0.75 + level
    n = rng.poisson(rate * DAY_PER_BUSIEST_HOUR, (2, stores, days))
    top2 = np.stack(
        [
            rng.binomial(n[0], np.clip(share - drift, 0.01, 0.99)),
            rng.binomial(n[1], np.clip(share, 0.01, 0.99)),
        ]
    )
    drifting, steady = SlowChecks(config), SlowChecks(config)
    flagged: dict[int, int] = {}
    false_flags = 0
    for t in range(days + 1):  # one more day: the last day's check runs when it ends
        at = START + timedelta(days=t)
        for s in range(stores):
            for which, checks in ((0, drifting), (1, steady)):
                k = int(top2[which, s, t]) if t < days else 0
                m = int(n[which, s, t]) if t < days else 0
                window = Window(Scope("store", f"S{s}"), at, m, k, 4 * k + 2 * (m - k))
                for alert in checks.observe(window):
                    if alert.resolved_at is not None:
                        continue
                    if which == 1:
                        false_flags += 1
                    elif t > HISTORY_DAYS:
                        flagged.setdefault(s, t - HISTORY_DAYS)
    c = drifting.config
    # Store-days on which a check could run: once the reference holds half its days.
    checked = days - (c.recent_days + c.gap_days + c.reference_days // 2)
    return Drifts(
        rate, seed, tuple(flagged.get(s) for s in range(stores)), false_flags, stores * checked
    )
