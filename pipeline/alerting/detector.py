"""Detecting satisfaction drops per scope, on event time, from windowed rating counts.

Pure: feed it windows in event-time order and it returns the alerts that open or resolve, so
a replay of history raises exactly the alerts live traffic did.

It watches two signals of the 1–5 distribution: the share of 4–5 scores, and the share of
scores above 1. The second carries most of the rest of the distribution's information: a
drop whose lost ratings all become 1s is proven about twice as fast from it
(pipeline.alerting.distribution measures how much). Per scope and signal it keeps:
- a baseline share per hour of day, learned as exponentially weighted counts (with the mean
  score for the first signal). An hour with too little history of its own borrows the
  hour-of-day profile that all stores share, and a young store's level is shrunk toward its
  peers, so a store is watched from its first day. A window is learned only an hour later,
  once it has proven normal, and nothing is learned while an alert is open: a drop never
  becomes the new normal;
- the scope's day-to-day wander (overdispersion beyond binomial noise, beta-binomial by the
  method of moments), which with the baseline's own uncertainty sets a margin: ratings are
  weighed against the baseline less that margin, so an ordinary bad day is not a drop;
- a bank of Bernoulli CUSUMs, one per drop size, with no clock leak: evidence is counted in
  ratings, so a quiet store gathers it as surely as a busy one, only slower. Each CUSUM's
  threshold gives the scope one false alert per ``false_alert_days`` at its own volume
  (Siegmund's approximation, pipeline.alerting.threshold), shared among the banks and the
  store's scopes; no alert rests on fewer than ``min_ratings`` ratings;
- hysteresis: an open alert resolves only when a reverse CUSUM on the signal that raised it
  has gathered as much evidence that the share is back at its baseline.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from pipeline.alerting._banks import (
    SIGNALS,
    Cusum,
    Day,
    Peers,
    SignalState,
    llr,
)
from pipeline.alerting.events import (
    AlertEvent,
    DetectorConfig,
    Scope,
    ShareDrop,
    Window,
    alert_id,
)
from pipeline.alerting.threshold import threshold

__all__ = ["AlertEvent", "Detector", "DetectorConfig", "Scope", "ShareDrop", "Window"]


@dataclass
class _ScopeState:
    signals: list[SignalState]
    hour_windows: list[float] = field(default_factory=lambda: [0.0] * 24)
    windows: float = 0.0  # learned windows, weighted as the counts are: volume = n / windows
    seen: int = 0
    first: datetime | None = None
    recovery: float = 0.0
    open: AlertEvent | None = None
    open_signal: int = 0
    open_drop: float = 0.0
    pending: deque[Window] = field(default_factory=deque)
    held: list[Window] = field(default_factory=list)  # windows of the open alert
    suspicious: bool = False  # some CUSUM stands at half its threshold or more


@dataclass(frozen=True)
class _Baseline:
    share: float
    mean: float  # the mean score (first signal only)
    weight: float  # ratings' worth of evidence the share rests on


class Detector:
    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = config or DetectorConfig()
        self._states: dict[Scope, _ScopeState] = {}
        per_day = timedelta(days=1) / self.config.window
        # Each hour slot sees (windows per hour) updates a day; all-day sees every window.
        self._keep_all = 1 - 1 / (self.config.memory_days * per_day)
        self._keep_hour = 1 - 1 / (self.config.memory_days * per_day / 24)
        self._windows_per_hour = timedelta(hours=1) / self.config.window
        self._windows_per_day = int(per_day)
        self._keep_recent = 0.5 ** (self.config.window / self.config.recent_half_life)
        self._peers = [Peers() for _ in SIGNALS]

    def scopes(self) -> list[Scope]:
        return list(self._states)

    def open_alerts(self) -> list[AlertEvent]:
        return [s.open for s in self._states.values() if s.open is not None]

    def observe(self, w: Window) -> list[AlertEvent]:
        state = self._states.get(w.scope)
        if state is None:
            state = self._states[w.scope] = _ScopeState(
                [SignalState([Cusum(d) for d in sig.drops(self.config)]) for sig in SIGNALS]
            )
        baselines = [self._baseline(state, i, w.scope, w.start) for i in range(len(SIGNALS))]
        events: list[AlertEvent] = []
        if all(b is not None for b in baselines):
            if state.open is None:
                events += self._watch(state, w, [b for b in baselines if b is not None])
            else:
                events += self._recover(state, w, baselines[state.open_signal])
        if state.open is not None:
            # The drop, or its onset: never the new normal. Kept for the hour-of-day profile
            # once it resolves, so a dip that recurs at the same hour every day is learned
            # as rhythm after alerting once, not alerted every day.
            state.held.extend(state.pending)
            state.held.append(w)
            state.pending.clear()
            del state.held[: -self._windows_per_day]
        else:
            state.pending.append(w)
            # While evidence of a drop is building, what may be its onset is not learned
            # (else a slow-to-prove drop becomes the new normal), for ``suspicion_hold`` at most.
            wait = self.config.suspicion_hold if state.suspicious else self.config.learn_after
            while state.pending and w.start - state.pending[0].start >= wait:
                self._learn(state, w.scope, state.pending.popleft())
        return events

    def _watch(self, s: _ScopeState, w: Window, baselines: list[_Baseline]) -> list[AlertEvent]:
        c = self.config
        budget = self._budget(s)
        crossed: tuple[int, Cusum] | None = None
        s.suspicious = False
        levels = []
        for i, (sig, state, base) in enumerate(zip(SIGNALS, s.signals, baselines, strict=True)):
            # Today's level: the posterior of the day's offset given the last hours' ratings.
            p0 = base.share
            binomial, wander = p0 * (1 - p0), self._wander(state, i)
            precision = 1 / wander + state.recent_n / binomial
            # Capped at two sd of the wander: beyond that it is more likely a drop than a
            # day, and a drop still being proven must not be learned as today's level.
            cap = 2 * math.sqrt(wander)
            offset = min(cap, max(-cap, state.recent_residual / binomial / precision))
            p0 = min(0.98, max(0.05, p0 + offset))
            levels.append(p0)
            spread = math.sqrt(1 / precision + binomial / base.weight)
            ref = p0 - c.wander_z * spread
            hits = sig.hits(w)
            runs = budget * sig.quieter(c)
            for cusum in state.bank:
                alt = p0 - cusum.drop
                if alt < 0.02 or alt >= ref - 0.01:
                    cusum.value = 0.0  # a drop this small cannot be told from a bad day here
                    continue
                cusum.add(w, llr(w.ratings, hits, ref, alt))
                if cusum.n < c.min_ratings or cusum.start is None:
                    continue
                limit = threshold(_grid(p0), _grid(ref), _grid(alt), runs, _grid(spread))
                s.suspicious = s.suspicious or cusum.value >= limit / 2
                if cusum.value >= limit + c.open_evidence:
                    crossed = crossed or (i, cusum)
        if crossed is None or not self._pages(s):
            return []
        signal, cusum = crossed
        assert cusum.start is not None
        end = w.start + c.window
        n = cusum.n
        measured = ShareDrop(
            baseline_share=round(levels[0], 4),
            current_share=round(cusum.top2 / n, 4),
            baseline_mean=round(baselines[0].mean, 3),
            current_mean=round(cusum.score / n, 3),
            ratings=n,
        )
        alert = AlertEvent(
            alert_id=alert_id(w.scope, end.isoformat()),
            scope=w.scope,
            opened_at=end,
            resolved_at=None,
            trigger=SIGNALS[signal].trigger(cusum.drop),
            window_start=cusum.start,
            window_end=end,
            measured=measured,
            severity="page" if measured.drop >= c.page_drop else "watch",
        )
        s.open, s.open_signal, s.open_drop, s.recovery = alert, signal, cusum.drop, 0.0
        return [alert]

    def _recover(self, s: _ScopeState, w: Window, base: _Baseline | None) -> list[AlertEvent]:
        assert s.open is not None and base is not None
        # Evidence that the share is back at its baseline rather than still down.
        hits = SIGNALS[s.open_signal].hits(w)
        p0 = base.share
        s.recovery = max(0.0, s.recovery - llr(w.ratings, hits, p0, max(0.01, p0 - s.open_drop)))
        if s.recovery < self.config.resolve_evidence:
            return []
        resolved = replace(s.open, resolved_at=w.start + self.config.window)
        s.open, s.recovery = None, 0.0
        for held in s.held:
            hour = held.start.hour
            for sig, state in zip(SIGNALS, s.signals, strict=True):
                state.by_hour[hour].decay_add(
                    self._keep_hour, held.ratings, sig.hits(held), held.score_sum
                )
            s.hour_windows[hour] = self._keep_hour * s.hour_windows[hour] + 1
        s.held.clear()
        for state in s.signals:
            for cusum in state.bank:
                cusum.reset()
        return [resolved]

    def _budget(self, s: _ScopeState) -> float:
        """Ratings each CUSUM must run, on average, before a false alert."""
        c = self.config
        per_hour = s.signals[0].all_day.n / max(s.windows, 1.0) * self._windows_per_hour
        hours = c.false_alert_days * 24 * c.scopes_per_store * c.bank_share
        # Rounded to a quarter octave, so thresholds are computed once per step of volume.
        return float(2 ** (round(4 * math.log2(max(per_hour, 0.1) * hours)) / 4))

    def _hour_prior(self, state: SignalState) -> float:
        """Empirical Bayes: the binomial variance over the variance of the scope's hours of
        day around its all-day level beyond chance (``pq / τ²``)."""
        level = state.all_day.share() if state.all_day.n > 0 else 0.5
        binomial = level * (1 - level)
        excess, hours = 0.0, 0
        for hour in state.by_hour:
            if hour.n >= 30:
                excess += (hour.share() - level) ** 2 - binomial / hour.n
                hours += 1
        if hours < 6:
            return self.config.hour_prior_ratings
        spread = max(excess / hours, 1e-6)
        return min(self.config.hour_prior_ratings, max(30.0, binomial / spread))

    def pages(self, scope: Scope) -> bool:
        """Whether alerts on this scope page: it rates ``page_min_rate`` an hour or more at
        its busiest hour of the day (the slow checks watch the others)."""
        state = self._states.get(scope)
        return state is not None and self._pages(state)

    def _pages(self, s: _ScopeState) -> bool:
        return self._busiest(s) >= self.config.page_min_rate

    def _busiest(self, s: _ScopeState) -> float:
        """Ratings an hour in the scope's busiest hour of the day."""
        return max(
            (
                h.n / k * self._windows_per_hour
                for h, k in zip(s.signals[0].by_hour, s.hour_windows, strict=True)
                if k > 0
            ),
            default=0.0,
        )

    def _wander(self, state: SignalState, signal: int) -> float:
        """The scope's day-to-day variance: its own days', leaning on the stores' typical
        wander (or ``prior_wander`` before any store has shown one) while it has few."""
        c = self.config
        peers = self._peers[signal].wander
        prior = (peers if peers is not None else c.prior_wander) ** 2
        mixed = (prior * c.prior_wander_days + state.wander * state.wander_days) / (
            c.prior_wander_days + state.wander_days
        )
        return max(mixed, _LEAST_WANDER**2)

    def _learn(self, s: _ScopeState, scope: Scope, w: Window) -> None:
        for i, (sig, state) in enumerate(zip(SIGNALS, s.signals, strict=True)):
            hits = sig.hits(w)
            baseline = self._baseline(s, i, scope, w.start, warm=False)
            self._close_day(state, i, w, scope.kind)
            if baseline is not None:
                state.today.n += w.ratings
                state.today.hits += hits
                state.today.expected += baseline.share * w.ratings
                state.recent_n = self._keep_recent * state.recent_n + w.ratings
                state.recent_residual = self._keep_recent * state.recent_residual + (
                    hits - baseline.share * w.ratings
                )
            state.all_day.decay_add(self._keep_all, w.ratings, hits, w.score_sum)
            state.by_hour[w.start.hour].decay_add(self._keep_hour, w.ratings, hits, w.score_sum)
            if w.start.minute == 0:  # hourly is often enough for what changes over days
                state.hour_prior = self._hour_prior(state)
            if scope.kind == "store":
                peers = self._peers[i]
                peers.level.decay_add(self._keep_all, w.ratings, hits, w.score_sum)
                peers.by_hour[w.start.hour].decay_add(self._keep_hour, w.ratings, hits, w.score_sum)
        s.hour_windows[w.start.hour] = self._keep_hour * s.hour_windows[w.start.hour] + 1
        s.windows = self._keep_all * s.windows + 1
        s.seen += w.ratings
        if s.first is None:
            s.first = w.start

    def _close_day(self, state: SignalState, signal: int, w: Window, kind: str) -> None:
        """At a new day, what the last one says of the scope's day-to-day wander."""
        day = w.start.toordinal()
        if day == state.today.day:
            return
        t = state.today
        if t.n >= 20:
            expected = t.expected / t.n
            binomial = expected * (1 - expected) / t.n
            excess = max(0.0, (t.hits / t.n - expected) ** 2 - binomial)
            keep = 1 - 1 / (2 * self.config.memory_days)
            state.wander = (keep * state.wander * state.wander_days + excess) / (
                keep * state.wander_days + 1
            )
            state.wander_days = keep * state.wander_days + 1
            if kind == "store" and state.wander_days >= self.config.prior_wander_days:
                # The stores' typical wander, a new store's prior: a running mean of their
                # sds (of sds, so a few noisy stores do not set everyone's prior).
                own = math.sqrt(state.wander)
                peers = self._peers[signal]
                peers.wander = own if peers.wander is None else 0.98 * peers.wander + 0.02 * own
        state.today = Day(day)

    def _baseline(
        self, s: _ScopeState, signal: int, scope: Scope, at: datetime, warm: bool = True
    ) -> _Baseline | None:
        """The signal's share expected at ``at`` (with the mean score), and how many ratings'
        worth of evidence the share rests on (its uncertainty)."""
        c = self.config
        state, peers = s.signals[signal], self._peers[signal]
        level = state.all_day
        if level.n <= 0 or s.first is None:
            return None
        if warm and (s.seen < c.warmup_ratings or at - s.first < c.warmup):
            return None
        weight = level.n
        share = level.share()
        if scope.kind != "overall" and peers.level.n > 0:
            # A young scope's level leans on its peers' until its own ratings outweigh them.
            share = (level.hits + c.peer_ratings * peers.level.share()) / (level.n + c.peer_ratings)
            weight += c.peer_ratings
        peers_hour = peers.by_hour[at.hour]
        if peers_hour.n >= c.hour_min_ratings and peers.level.n > 0:
            share += peers_hour.share() - peers.level.share()  # the rhythm all stores share
        # This hour of the day's own history, weighed against that expectation: the scope's
        # own rhythm takes over as its ratings at this hour outnumber ``hour_prior`` (few
        # for a scope whose hours differ much more than chance would make them, many for
        # one whose hours do not).
        hour, k = state.by_hour[at.hour], min(state.hour_prior, weight)
        share = (hour.hits + k * share) / (hour.n + k)
        mean = (hour.score + k * level.score / level.n) / (hour.n + k)
        # Keep the share off 0 and 1 so the likelihood ratio stays finite.
        return _Baseline(min(0.98, max(0.05, share)), mean, hour.n + k)


# No store's share holds to within a third of a point from day to day; a model that says so
# (a synthetic stream, a store without history) would trust a single day's level entirely.
_LEAST_WANDER = 0.003


def _grid(share: float) -> float:
    """A share to the half point: thresholds hardly move within one, and are cached."""
    return round(share * 200) / 200
