"""False alerts, and a new store's first day: the detector on a realistic chain of stores.

Each store's ratings are drawn per window and channel. Volume follows the hour of day and
the day of the week; the top-2 share dips at busy hours and wanders from day to day
(an AR(1) level, sd drawn per store: up to 2 points for most, 3–5 for noisy ones, which are
reported apart). Stores rating fewer than 20 an hour at their busiest are small: they must
page nobody. Every window goes through the real Detector for the store, each store ×
channel and the overall scope; every alert opened on a store's scopes is a false one.

New stores open on day 7 among them: after 14 hours at about 28 ratings an hour their share
falls by 30 points, and the delay to the store's first alert is measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from scipy.stats import chi2

from pipeline.alerting.detector import AlertEvent, Detector, DetectorConfig, Scope, Window

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
CHANNELS = (("store", 0.6), ("app", 0.4))
NEW_STORE_DAY = 7
NEW_STORE_HISTORY = timedelta(hours=14)
NEW_STORE_DROP = 0.30
# Scores within the 4–5 mass and within the rest: fixed shapes, so the mean moves with share.
_PROBS_TOP = np.array([0.4, 0.6])  # 4, 5
_PROBS_LOW = np.array([0.25, 0.25, 0.5])  # 1, 2, 3
_SCORES = np.array([1, 2, 3, 4, 5])


@dataclass(frozen=True)
class StoreSpec:
    store_id: str
    kind: str  # "regular", "noisy", "small" or "new"
    busiest: float  # ratings an hour at the busiest hour of an ordinary day
    share: float
    wander: float  # sd of the day-to-day level
    peak_dip: float  # share lost at the busiest hour
    weekend: float  # volume on Saturdays and Sundays, relative
    opens: timedelta = timedelta(0)  # from the start; new stores open later
    drop_at: timedelta | None = None


@dataclass(frozen=True)
class Run:
    seed: int
    days: int
    stores: list[StoreSpec]
    alerts: list[AlertEvent]

    def store_days(self, kind: str) -> float:
        return sum((self.days * 24 - s.opens / timedelta(hours=1)) / 24 for s in self._of(kind))

    def false_alerts(self, kind: str) -> int:
        """Alerts opened on the scopes of stores of this kind, outside any injected drop."""
        ids = {s.store_id: s for s in self._of(kind)}
        count = 0
        for a in self.alerts:
            spec = ids.get(a.scope.store_id)
            if a.resolved_at is not None or spec is None or a.scope.kind == "overall":
                continue
            if spec.drop_at is not None and a.opened_at >= START + spec.drop_at:
                continue
            count += 1
        return count

    def per_100_store_days(self, kind: str) -> tuple[float, float]:
        """False alerts per 100 store-days, and its one-sided 95% upper bound (Poisson)."""
        k, days = self.false_alerts(kind), self.store_days(kind)
        upper = chi2.ppf(0.95, 2 * (k + 1)) / 2
        return 100 * k / days, 100 * upper / days

    def new_store_delays(self) -> list[float | None]:
        """Minutes from each new store's drop to its first store alert (None: none by the
        end)."""
        delays: list[float | None] = []
        for spec in self._of("new"):
            assert spec.drop_at is not None
            drop = START + spec.drop_at
            found = [
                a.opened_at
                for a in self.alerts
                if a.scope == Scope("store", spec.store_id)
                and a.resolved_at is None
                and a.opened_at >= drop
            ]
            delays.append((min(found) - drop) / timedelta(minutes=1) if found else None)
        return delays

    def _of(self, kind: str) -> list[StoreSpec]:
        return [s for s in self.stores if s.kind == kind]


def _rhythm(hour: float) -> float:
    """Relative volume by hour of day: quiet nights, lunch and evening peaks (peak ≈ 1)."""
    return (
        0.08
        + 0.92 * math.exp(-((hour - 12.5) ** 2) / 6)
        + 0.8 * math.exp(-((hour - 18.5) ** 2) / 5)
    )


def chain(seed: int, regular: int = 200) -> list[StoreSpec]:
    rng = np.random.default_rng([seed, 1])
    stores: list[StoreSpec] = []

    def add(kind: str, busiest: float, wander: float, **extra: timedelta) -> None:
        stores.append(
            StoreSpec(
                f"{kind}-{len(stores):03d}",
                kind,
                busiest,
                float(rng.uniform(0.6, 0.88)),
                wander,
                float(rng.uniform(0.0, 0.06)),
                float(rng.uniform(0.8, 1.5)),
                **extra,
            )
        )

    for _ in range(regular):
        add(
            "regular",
            float(math.exp(rng.uniform(math.log(20), math.log(640)))),
            float(rng.uniform(0.005, 0.02)),
        )
    for _ in range(10):
        add(
            "noisy",
            float(math.exp(rng.uniform(math.log(20), math.log(160)))),
            float(rng.uniform(0.03, 0.05)),
        )
    for _ in range(10):
        add("small", float(rng.uniform(3, 15)), float(rng.uniform(0.005, 0.02)))
    for _ in range(10):
        opens = timedelta(days=NEW_STORE_DAY, hours=float(rng.uniform(0, 24)))
        opens = timedelta(minutes=(opens // timedelta(minutes=10)) * 10)
        add(
            "new",
            28.0,
            float(rng.uniform(0.005, 0.02)),
            opens=opens,
            drop_at=opens + NEW_STORE_HISTORY,
        )
    return stores


def simulate(
    seed: int, days: int = 15, config: DetectorConfig | None = None, regular: int = 200
) -> Run:
    config = config or DetectorConfig()
    stores = chain(seed, regular)
    counts = [
        _ratings(spec, days, config.window, np.random.default_rng([seed, 2, s]))
        for s, spec in enumerate(stores)
    ]
    detector = Detector(config)
    alerts: list[AlertEvent] = []
    overall = Scope("overall")
    scopes = [
        (
            Scope("store", spec.store_id),
            *(Scope("store_channel", spec.store_id, channel) for channel, _ in CHANNELS),
        )
        for spec in stores
    ]
    first = [int(spec.opens / config.window) for spec in stores]
    for i in range(days * int(timedelta(days=1) / config.window)):
        at = START + i * config.window
        total = np.zeros(5, dtype=np.int64)
        for s in range(len(stores)):
            if i < first[s]:
                continue
            by_channel = counts[s][i]
            both = by_channel.sum(axis=0)
            total += both
            store, *channels = scopes[s]
            alerts += detector.observe(_window(store, at, both))
            for scope, row in zip(channels, by_channel, strict=True):
                alerts += detector.observe(_window(scope, at, row))
        alerts += detector.observe(_window(overall, at, total))
    return Run(seed, days, stores, alerts)


def _ratings(spec: StoreSpec, days: int, window: timedelta, rng: np.random.Generator) -> np.ndarray:
    """Score counts per window and channel: shape (windows, channels, 5 scores)."""
    per_day = int(timedelta(days=1) / window)
    starts = [START + i * window for i in range(days * per_day)]
    volume = np.array([_rhythm(t.hour + t.minute / 60) for t in starts])
    weekend = np.array([spec.weekend if t.weekday() >= 5 else 1.0 for t in starts])
    level = np.zeros(days)  # AR(1) day-to-day level, stationary sd = wander
    x = rng.normal(0, spec.wander)
    for d in range(days):
        x = 0.5 * x + math.sqrt(1 - 0.25) * rng.normal(0, spec.wander)
        level[d] = x
    share = spec.share + np.repeat(level, per_day) - spec.peak_dip * volume
    since = np.array([t - START for t in starts])
    if spec.drop_at is not None:
        share = share - NEW_STORE_DROP * (since >= spec.drop_at)
    share = np.clip(share, 0.03, 0.97)
    # A new store's first day is flat: about 28 ratings every hour.
    busy = np.ones_like(volume) if spec.kind == "new" else volume * weekend
    n = rng.poisson(spec.busiest * busy * (window / timedelta(hours=1)))
    out = np.zeros((len(starts), len(CHANNELS), 5), dtype=np.int64)
    first = rng.binomial(n, CHANNELS[0][1])
    for c, in_channel in enumerate((first, n - first)):
        top = rng.binomial(in_channel, share)
        fives = rng.binomial(top, _PROBS_TOP[1])
        low = in_channel - top
        ones = rng.binomial(low, _PROBS_LOW[0])
        twos = rng.binomial(low - ones, _PROBS_LOW[1] / (1 - _PROBS_LOW[0]))
        out[:, c] = np.stack([ones, twos, low - ones - twos, top - fives, fives], axis=1)
    return out


def _window(scope: Scope, at: datetime, counts: np.ndarray) -> Window:
    return Window(
        scope,
        at,
        int(counts.sum()),
        int(counts[3] + counts[4]),
        int(counts @ _SCORES),
        int(counts[0]),
    )
