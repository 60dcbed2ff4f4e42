"""What the detector reads, how it is set, and what it says: windows of ratings per scope,
its configuration, and the alerts it opens and resolves."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class DetectorConfig:
    window: timedelta = timedelta(minutes=10)
    # The drops in share of 4–5 the bank's CUSUMs are tuned to, smallest first.
    drops: tuple[float, ...] = (0.10, 0.15, 0.25, 0.40)
    # … and the rises in the share of 1s the second bank's are tuned to.
    one_drops: tuple[float, ...] = (0.10, 0.15, 0.25)
    # One false alert per this many days of a store, over all its scopes and the bank.
    false_alert_days: float = 100.0
    scopes_per_store: float = 2.0  # the store and, typically, a channel or two
    # The bank's CUSUMs read the same ratings, so their false alerts mostly coincide: the
    # budget is shared as among this many independent ones, not among all of them.
    bank_share: float = 1.0
    # The second bank (share of 1s) runs this many times longer before a false alert than
    # the first: it adds its false alerts to theirs (as many again at 1, measured: 1.03 per
    # 100 store-days on seed 7), while a drop to 1s gives it twice the evidence per rating.
    ones_quieter: float = 4.0
    # Extra nats on every threshold: higher = quieter and slower (GAPWATCH_ALERT_EVIDENCE).
    open_evidence: float = 0.0
    resolve_evidence: float = 3.0
    min_ratings: int = 15  # ratings behind an alert, at least
    page_drop: float = 0.15  # a smaller drop in share of 4–5 is a "watch" alert
    # A scope rating fewer than this an hour at its busiest pages nobody (too few ratings
    # to tell a drop from chance within a shift).
    page_min_rate: float = 20.0
    warmup_ratings: int = 100  # a scope alerts once its baseline rests on this many
    warmup: timedelta = timedelta(hours=12)  # … and on this much history
    # The margin, in standard deviations of a day's share around the baseline.
    wander_z: float = 0.5
    prior_wander: float = 0.02  # a scope's day-to-day sd until its own days show it
    prior_wander_days: float = 5.0  # … weighed as this many days
    peer_ratings: float = 40.0  # a young store's level shrinks toward its peers' as if seen
    hour_min_ratings: float = 150.0  # the stores' shared rhythm is used once it rests on this
    # How many ratings the expected rhythm counts for against a scope's own hours of day at
    # most (a scope without a rhythm of its own); its own spread of hours lowers it.
    hour_prior_ratings: float = 1500.0
    memory_days: float = 7.0
    # Today's level: how far the last hours' learned ratings sit from the baseline, weighed
    # against the scope's wander (a busy store knows its day's level within hours).
    recent_half_life: timedelta = timedelta(hours=6)
    learn_after: timedelta = timedelta(hours=1)
    suspicion_hold: timedelta = timedelta(hours=6)


@dataclass(frozen=True)
class Scope:
    kind: str  # "overall", "region", "brand", "store" or "store_channel"
    store_id: str = ""
    channel: str = ""
    group: str = ""  # the region's or brand's name, for those kinds

    def __str__(self) -> str:
        return ":".join(p for p in (self.kind, self.group, self.store_id, self.channel) if p)


@dataclass(frozen=True)
class Window:
    scope: Scope
    start: datetime
    ratings: int
    top2: int
    score_sum: int
    ones: int = 0  # ratings of 1


@dataclass(frozen=True)
class ShareDrop:
    """What a satisfaction-drop alert measured: the share of 4–5 scores and the mean score,
    at the baseline and over the ratings behind the evidence."""

    baseline_share: float
    current_share: float
    baseline_mean: float
    current_mean: float
    ratings: int  # behind the evidence when it opened

    @property
    def drop(self) -> float:
        return self.baseline_share - self.current_share


@dataclass(frozen=True)
class AlertEvent:
    """An alert opening, or the same alert resolving (``resolved_at`` set): a satisfaction
    drop (``measured`` set) or a complaint's missed service level (``complaint_id`` set)."""

    alert_id: str
    scope: Scope
    opened_at: datetime
    resolved_at: datetime | None
    # "sustained" (small-shift CUSUM) or "sudden" (large-shift CUSUM); an SLA breach's kind
    trigger: str
    window_start: datetime  # the span the evidence covers
    window_end: datetime
    kind: str = "satisfaction_drop"  # or sla_first_response, sla_resolution
    measured: ShareDrop | None = None  # for satisfaction drops
    # "page" (a drop of ``DetectorConfig.page_drop`` or more, a missed service level) or
    # "watch" (a smaller drop: real, but for the next shift's review rather than a phone).
    severity: str = "page"
    complaint_id: str = ""  # for SLA breaches

    @property
    def state(self) -> str:
        return "resolved" if self.resolved_at else "open"


def alert_id(*parts: object) -> str:
    """An alert's id from what makes it that alert: the same parts, the same id, so a replay
    raises no alert twice."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]
