"""Detecting satisfaction drops per scope, on event time, from windowed rating counts.

Pure: feed it windows in event-time order and it returns the alerts that open or resolve, so
a replay of history raises exactly the alerts live traffic did.

Per scope (overall, store, store × channel) it keeps:
- a baseline share of 4–5 scores and mean score per hour of day (daily rhythm), learned as
  exponentially weighted counts, falling back to the scope's all-day baseline while an hour
  has too little history; a window is learned only an hour later, once it has proven normal
  (windows still pending when an alert opens are dropped), and nothing is learned while an
  alert is open, so a drop never becomes the new normal;
- two Bernoulli CUSUMs of log-likelihood ratios, baseline share against baseline − 10 points
  (sustained small drops) and against baseline − 30 points (sudden large ones, which the
  first would take longer to prove): evidence accumulates rating by rating, so a store with
  three ratings never carries enough evidence to page anyone, and no alert rests on fewer
  than ``min_ratings`` ratings;
- hysteresis: an open alert resolves only when a reverse CUSUM has gathered as much evidence
  that the share is back at its baseline.
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class DetectorConfig:
    window: timedelta = timedelta(minutes=10)
    target_drop: float = 0.10  # the drops in share of 4–5 the two CUSUMs are tuned to find
    sudden_drop: float = 0.30
    open_evidence: float = 11.0  # nats of evidence to open (higher = quieter, slower)
    resolve_evidence: float = 3.0
    min_ratings: int = 15  # ratings behind an alert, at least
    warmup_ratings: int = 300  # a scope alerts only once its baseline rests on this many
    warmup: timedelta = timedelta(days=3)  # … and on this much history (all hours of a day)
    # Evidence fades with this half-life: a drop within hours adds up, the ordinary
    # variation of satisfaction from one day to the next does not.
    evidence_half_life: timedelta = timedelta(hours=2)
    hour_min_ratings: float = 150.0  # an hour-of-day baseline is used once it has this many
    memory_days: float = 7.0
    learn_after: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class Scope:
    kind: str  # "overall", "store" or "store_channel"
    store_id: str = ""
    channel: str = ""

    def __str__(self) -> str:
        return ":".join(p for p in (self.kind, self.store_id, self.channel) if p)


@dataclass(frozen=True)
class Window:
    scope: Scope
    start: datetime
    ratings: int
    top2: int
    score_sum: int


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
    complaint_id: str = ""  # for SLA breaches

    @property
    def state(self) -> str:
        return "resolved" if self.resolved_at else "open"


@dataclass
class _Counts:
    n: float = 0.0
    top2: float = 0.0
    score: float = 0.0

    def decay_add(self, keep: float, n: int, top2: int, score: int) -> None:
        self.n = keep * self.n + n
        self.top2 = keep * self.top2 + top2
        self.score = keep * self.score + score


@dataclass
class _Evidence:
    """Ratings gathered since the CUSUM last stood at zero."""

    start: datetime | None = None
    n: int = 0
    top2: int = 0
    score: int = 0

    def add(self, w: Window) -> None:
        if self.start is None:
            self.start = w.start
        self.n += w.ratings
        self.top2 += w.top2
        self.score += w.score_sum


@dataclass
class _ScopeState:
    all_day: _Counts = field(default_factory=_Counts)
    by_hour: list[_Counts] = field(default_factory=lambda: [_Counts() for _ in range(24)])
    seen: int = 0
    first: datetime | None = None
    cusum: float = 0.0
    sudden: float = 0.0
    evidence: _Evidence = field(default_factory=_Evidence)
    recovery: float = 0.0
    open: AlertEvent | None = None
    pending: deque[Window] = field(default_factory=deque)


class Detector:
    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = config or DetectorConfig()
        self._states: dict[Scope, _ScopeState] = {}
        per_day = timedelta(days=1) / self.config.window
        # Each hour slot sees (windows per hour) updates a day; all-day sees every window.
        self._keep_all = 1 - 1 / (self.config.memory_days * per_day)
        self._keep_hour = 1 - 1 / (self.config.memory_days * per_day / 24)
        self._fade = 0.5 ** (self.config.window / self.config.evidence_half_life)

    def scopes(self) -> list[Scope]:
        return list(self._states)

    def open_alerts(self) -> list[AlertEvent]:
        return [s.open for s in self._states.values() if s.open is not None]

    def observe(self, w: Window) -> list[AlertEvent]:
        state = self._states.setdefault(w.scope, _ScopeState())
        baseline = self._baseline(state, w.start)
        events: list[AlertEvent] = []
        if baseline is not None:
            p0, mean0 = baseline
            llr = _llr(w, p0, self.config.target_drop)
            if state.open is None:
                events += self._watch(
                    state, w, p0, mean0, llr, _llr(w, p0, self.config.sudden_drop)
                )
            else:
                events += self._recover(state, w, llr)
        if state.open is not None:
            state.pending.clear()  # the drop, or its onset: never the new normal
        else:
            state.pending.append(w)
            while state.pending and w.start - state.pending[0].start >= self.config.learn_after:
                self._learn(state, state.pending.popleft())
        return events

    def _watch(
        self, s: _ScopeState, w: Window, p0: float, mean0: float, llr: float, llr_sudden: float
    ) -> list[AlertEvent]:
        c = self.config
        s.cusum = max(0.0, self._fade * s.cusum + llr)
        s.sudden = max(0.0, self._fade * s.sudden + llr_sudden)
        if s.cusum == 0.0 and s.sudden == 0.0:
            s.evidence = _Evidence()
        else:
            s.evidence.add(w)
        end = w.start + c.window
        if s.evidence.n < c.min_ratings or s.evidence.start is None:
            return []
        if s.sudden >= c.open_evidence:
            trigger = "sudden"
        elif s.cusum >= c.open_evidence:
            trigger = "sustained"
        else:
            return []
        n, top2, score, start = s.evidence.n, s.evidence.top2, s.evidence.score, s.evidence.start
        alert = AlertEvent(
            alert_id=_alert_id(w.scope, end),
            scope=w.scope,
            opened_at=end,
            resolved_at=None,
            trigger=trigger,
            window_start=start,
            window_end=end,
            measured=ShareDrop(
                baseline_share=round(p0, 4),
                current_share=round(top2 / n, 4),
                baseline_mean=round(mean0, 3),
                current_mean=round(score / n, 3),
                ratings=n,
            ),
        )
        s.open, s.recovery = alert, 0.0
        return [alert]

    def _recover(self, s: _ScopeState, w: Window, llr: float) -> list[AlertEvent]:
        assert s.open is not None
        # No fading here: resolving needs evidence that the share is back, however slow.
        s.recovery = max(0.0, s.recovery - llr)
        if s.recovery < self.config.resolve_evidence:
            return []
        resolved = replace(s.open, resolved_at=w.start + self.config.window)
        s.open, s.cusum, s.sudden, s.recovery, s.evidence = None, 0.0, 0.0, 0.0, _Evidence()
        return [resolved]

    def _learn(self, s: _ScopeState, w: Window) -> None:
        s.all_day.decay_add(self._keep_all, w.ratings, w.top2, w.score_sum)
        s.by_hour[w.start.hour].decay_add(self._keep_hour, w.ratings, w.top2, w.score_sum)
        s.seen += w.ratings
        if s.first is None:
            s.first = w.start

    def _baseline(self, s: _ScopeState, at: datetime) -> tuple[float, float] | None:
        if s.seen < self.config.warmup_ratings or s.all_day.n <= 0 or s.first is None:
            return None
        if at - s.first < self.config.warmup:
            return None
        hour = s.by_hour[at.hour]
        counts = hour if hour.n >= self.config.hour_min_ratings else s.all_day
        # Keep the share off 0 and 1 so the likelihood ratio stays finite.
        share = min(0.98, max(0.02, counts.top2 / counts.n))
        return share, counts.score / counts.n


def _llr(w: Window, p0: float, drop: float) -> float:
    """Evidence (nats) that this window's share is p0 − drop rather than p0."""
    p1 = max(0.01, p0 - drop)
    return w.top2 * math.log(p1 / p0) + (w.ratings - w.top2) * math.log((1 - p1) / (1 - p0))


def _alert_id(scope: Scope, opened_at: datetime) -> str:
    return hashlib.sha256(f"{scope}|{opened_at.isoformat()}".encode()).hexdigest()[:16]
