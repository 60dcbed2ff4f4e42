"""Evaluate the detector on scenarios with known injected drops.

Each store's ratings are drawn per window: volume follows a daily rhythm, the share of 4–5
scores dips at peak hours and wanders from day to day (extra-binomial noise), and some stores
get a drop injected at a known moment. Every window goes through the real Detector, for the
store scope and each store × channel scope; the overall scope sums all stores.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from pipeline.alerting.detector import AlertEvent, Detector, DetectorConfig, Scope, Window

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday; event time is all that matters
CHANNELS = (("store", 0.6), ("app", 0.4))
# Scores within the 4–5 mass and within the rest: fixed shapes, so the mean moves with share.
_TOP = np.array([0.4, 0.6])  # 4, 5
_LOW = np.array([0.25, 0.25, 0.5])  # 1, 2, 3


@dataclass(frozen=True)
class Drop:
    start: datetime
    size: float  # points of share of 4–5, e.g. 0.15
    ramp: timedelta  # 0 for sudden
    hold: timedelta

    @property
    def end(self) -> datetime:
        return self.start + self.ramp + self.hold

    def effect(self, at: datetime) -> float:
        if at < self.start or at >= self.end:
            return 0.0
        if self.ramp and at < self.start + self.ramp:
            return self.size * (at - self.start) / self.ramp
        return self.size


@dataclass(frozen=True)
class StoreSpec:
    store_id: str
    scenario: str
    per_hour: float
    share: float
    noise: float  # sd of the day-to-day variation of the share around its level
    peak_dip: float  # share lost at the busiest hour
    drop: Drop | None = None


@dataclass(frozen=True)
class DropResult:
    store: StoreSpec
    detected_at: datetime | None

    @property
    def delay(self) -> timedelta | None:
        if self.detected_at is None or self.store.drop is None:
            return None
        return self.detected_at - self.store.drop.start


@dataclass(frozen=True)
class Evaluation:
    drops: list[DropResult]
    false_alerts: int
    store_days: float
    alerts: list[AlertEvent]

    @property
    def false_per_100_store_days(self) -> float:
        return 100 * self.false_alerts / self.store_days


def _rhythm(hour: float) -> float:
    """Relative volume by hour of day: quiet nights, lunch and evening peaks (mean ≈ 1)."""
    base = (
        0.15 + 0.9 * math.exp(-((hour - 12.5) ** 2) / 6) + 0.8 * math.exp(-((hour - 18.5) ** 2) / 5)
    )
    return base / 0.62


def scenarios(seed: int, days: int = 14) -> list[StoreSpec]:
    rng = np.random.default_rng(seed)
    stores: list[StoreSpec] = []

    def add(
        scenario: str,
        per_hour: float,
        drop: Drop | None = None,
        noise: float = 0.015,
        peak_dip: float = 0.04,
    ) -> None:
        stores.append(
            StoreSpec(
                f"{scenario}-{len(stores):03d}",
                scenario,
                per_hour,
                float(rng.uniform(0.62, 0.9)),
                noise,
                peak_dip,
                drop,
            )
        )

    def drop_at(size: float, ramp_h: float = 0.0, hold_h: float = 4.0) -> Drop:
        day = int(rng.integers(5, days - 2))
        hour = float(rng.uniform(9, 17))
        start = START + timedelta(days=day, hours=hour)
        start = start.replace(minute=(start.minute // 10) * 10, second=0, microsecond=0)
        return Drop(start, size, timedelta(hours=ramp_h), timedelta(hours=hold_h))

    for _ in range(60):
        add("stable", float(math.exp(rng.uniform(math.log(20), math.log(200)))))
    for _ in range(10):
        add("noisy stable", float(rng.uniform(30, 120)), noise=0.04)
    for _ in range(10):
        add("strong rhythm", float(rng.uniform(30, 120)), peak_dip=0.10)
    for _ in range(10):
        add("small stable", 3.0)
    for per_hour in (20, 40, 80, 160, 320, 640):
        for size in (0.15, 0.25):
            add("sudden drop", per_hour, drop_at(size))
    for per_hour in (40, 160, 640):
        add("gradual drop", per_hour, drop_at(0.20, ramp_h=3.0, hold_h=3.0))
    for _ in range(4):
        add("small store drop", 3.0, drop_at(0.30, hold_h=8.0))
    return stores


def evaluate(seed: int = 7, days: int = 14, config: DetectorConfig | None = None) -> Evaluation:
    config = config or DetectorConfig()
    rng = np.random.default_rng(seed + 1)
    stores = scenarios(seed, days)
    per_day = int(timedelta(days=1) / config.window)
    scores = np.array([1, 2, 3, 4, 5])
    # counts[store][window] = per-channel score counts
    table = np.zeros((len(stores), days * per_day, len(CHANNELS), 5), dtype=np.int64)
    for s, spec in enumerate(stores):
        # Stable means stationary: each day's share varies around the store's level.
        wander = rng.normal(0, spec.noise, days)
        for i in range(days * per_day):
            at = START + i * config.window
            volume = _rhythm(at.hour + at.minute / 60)
            share = spec.share + wander[i // per_day] - spec.peak_dip * max(0.0, volume - 1) / 1.6
            if spec.drop:
                share -= spec.drop.effect(at)
            share = min(0.97, max(0.03, share))
            n = int(rng.poisson(spec.per_hour * volume * config.window / timedelta(hours=1)))
            probs = np.concatenate([(1 - share) * _LOW, share * _TOP])
            first = int(rng.binomial(n, CHANNELS[0][1]))
            table[s, i, 0] = rng.multinomial(first, probs)
            table[s, i, 1] = rng.multinomial(n - first, probs)

    detector = Detector(config)
    alerts: list[AlertEvent] = []
    overall = Scope("overall")
    for i in range(days * per_day):
        at = START + i * config.window
        for s, spec in enumerate(stores):
            store_counts = table[s, i].sum(axis=0)
            alerts += detector.observe(
                _window(Scope("store", spec.store_id), at, store_counts, scores)
            )
            for c, (channel, _) in enumerate(CHANNELS):
                scope = Scope("store_channel", spec.store_id, channel)
                alerts += detector.observe(_window(scope, at, table[s, i, c], scores))
        alerts += detector.observe(_window(overall, at, table[:, i].sum(axis=(0, 1)), scores))
    return _score(stores, alerts, days, config)


def _window(scope: Scope, at: datetime, counts: np.ndarray, scores: np.ndarray) -> Window:
    return Window(scope, at, int(counts.sum()), int(counts[3] + counts[4]), int(counts @ scores))


def _score(
    stores: list[StoreSpec], alerts: list[AlertEvent], days: int, config: DetectorConfig
) -> Evaluation:
    opened = defaultdict(list)
    for alert in alerts:
        if alert.resolved_at is None and alert.scope.kind != "overall":
            opened[alert.scope.store_id].append(alert)
    results, false_alerts = [], 0
    for spec in stores:
        found = None
        for alert in opened[spec.store_id]:
            drop = spec.drop
            if drop and drop.start <= alert.opened_at <= drop.end + timedelta(hours=2):
                if alert.scope.kind == "store" and (found is None or alert.opened_at < found):
                    found = alert.opened_at
            else:
                false_alerts += 1
        if spec.drop:
            results.append(DropResult(spec, found))
    return Evaluation(results, false_alerts, len(stores) * days, alerts)
