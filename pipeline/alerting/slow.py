"""Checks that need days, run at each day's end on event time, beside the detector.

- **Drift**: every day (or on one weekday), a store's last days against a reference that
  stops two weeks before them (so it is frozen as far as a slow drift is concerned): a
  learned baseline absorbs a drift of a point a day, this does not. A watch alert, never a
  page.
- **Small stores**: a store whose alerts do not page (the detector's ``pages``: fewer than
  20 ratings an hour at its busiest) has its last days compared, once a day, with its own
  previous four weeks, as a watch alert.

Both weigh the difference against binomial noise and the store's day-to-day wander (the
variance of its daily shares in the reference beyond binomial, AR(1)-inflated for a mean of
several days). An open check resolves at the next check that finds the store back.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from pipeline.alerting.events import AlertEvent, Scope, ShareDrop, Window, alert_id


@dataclass(frozen=True)
class SlowConfig:
    recent_days: int = 4  # the days judged
    gap_days: int = 14  # between them and the reference
    reference_days: int = 28
    # The drift check runs at the start of this weekday (0: Monday), or every day if None.
    drift_weekday: int | None = None
    z: float = 3.0  # how many standard errors below the reference (checked daily)
    least_drift: float = 0.04  # and at least this many points
    small_z: float = 2.5
    small_least: float = 0.15
    # Of a mean over n days of an AR(1) level with φ = 0.5: (1 + φ) / (1 − φ) / n.
    ar_factor: float = 3.0


@dataclass
class _Store:
    days: deque[tuple[int, int, int, int]] = field(default_factory=lambda: deque(maxlen=60))
    today: int = -1
    n: int = 0
    top2: int = 0
    score: int = 0
    open: dict[str, AlertEvent] = field(default_factory=dict)


class SlowChecks:
    def __init__(
        self, config: SlowConfig | None = None, pages: Callable[[Scope], bool] = lambda _: True
    ) -> None:
        """``pages``: whether a store's own alerts page (Detector.pages); the others are the
        small stores, checked daily."""
        self.config = config or SlowConfig()
        self.pages = pages
        self._stores: dict[str, _Store] = {}

    @property
    def history_days(self) -> int:
        """How many whole days before a check its judgement reads."""
        c = self.config
        return c.recent_days + c.gap_days + c.reference_days

    def seed(self, store: str, day: int, ratings: int, top2: int, score_sum: int) -> None:
        """A whole day of a store's ratings (``day``: its ordinal) from before the first
        window observed, e.g. from the warehouse's daily totals at a start, so the checks
        need not replay a month of windows. Days at or after the store's first observed
        day are ignored: those come through ``observe``."""
        s = self._stores.setdefault(store, _Store())
        if s.today >= 0 and day >= s.today:
            return
        s.days.append((day, ratings, top2, score_sum))
        s.days = deque(sorted(s.days), maxlen=s.days.maxlen)

    def observe(self, w: Window) -> list[AlertEvent]:
        if w.scope.kind != "store":
            return []
        s = self._stores.setdefault(w.scope.store_id, _Store())
        day = w.start.toordinal()
        events: list[AlertEvent] = []
        if day != s.today:
            if s.today >= 0:
                s.days.append((s.today, s.n, s.top2, s.score))
                events = self._checks(w.scope, s, w.start.replace(hour=0, minute=0, second=0))
            s.today, s.n, s.top2, s.score = day, 0, 0, 0
        s.n += w.ratings
        s.top2 += w.top2
        s.score += w.score_sum
        return events

    def _checks(self, scope: Scope, s: _Store, at: datetime) -> list[AlertEvent]:
        c = self.config
        events: list[AlertEvent] = []
        if c.drift_weekday is None or at.weekday() == c.drift_weekday:
            events += self._judge(scope, s, at, "drift", c.gap_days, c.z, c.least_drift)
        if not self.pages(scope):
            events += self._judge(scope, s, at, "daily", 0, c.small_z, c.small_least)
        return events

    def _judge(
        self, scope: Scope, s: _Store, at: datetime, trigger: str, gap: int, z: float, least: float
    ) -> list[AlertEvent]:
        c = self.config
        days = list(s.days)
        last = at.toordinal() - 1
        recent = [d for d in days if last - d[0] < c.recent_days]
        reference = [
            d
            for d in days
            if c.recent_days + gap <= last - d[0] < c.recent_days + gap + c.reference_days
        ]
        if len(reference) < c.reference_days // 2 or not recent:
            return []
        ref_n, ref_top2 = sum(d[1] for d in reference), sum(d[2] for d in reference)
        n, top2, score = (
            sum(d[1] for d in recent),
            sum(d[2] for d in recent),
            sum(d[3] for d in recent),
        )
        if ref_n == 0 or n == 0:
            return []
        p_ref, p_now = ref_top2 / ref_n, top2 / n
        binomial = p_ref * (1 - p_ref)
        shares = [d[2] / d[1] for d in reference if d[1] >= 10]
        wander = 0.0
        if len(shares) >= 5:
            mean = sum(shares) / len(shares)
            spread = sum((x - mean) ** 2 for x in shares) / (len(shares) - 1)
            per_day = ref_n / len(reference)
            wander = max(0.0, spread - binomial / per_day)
        se = math.sqrt(
            binomial * (1 / ref_n + 1 / n)
            + wander * c.ar_factor * (1 / len(recent) + 1 / len(reference))
        )
        low = p_ref - p_now >= least and (p_ref - p_now) / se >= z
        open_alert = s.open.get(trigger)
        if open_alert is None and low:
            start = datetime.fromordinal(recent[0][0]).replace(tzinfo=at.tzinfo)
            alert = AlertEvent(
                alert_id=alert_id(scope, trigger, at.isoformat()),
                scope=scope,
                opened_at=at,
                resolved_at=None,
                trigger=trigger,
                window_start=start,
                window_end=at,
                measured=ShareDrop(
                    baseline_share=round(p_ref, 4),
                    current_share=round(p_now, 4),
                    baseline_mean=round(sum(d[3] for d in reference) / ref_n, 3),
                    current_mean=round(score / n, 3),
                    ratings=n,
                ),
                severity="watch",
            )
            s.open[trigger] = alert
            return [alert]
        if open_alert is not None and (p_ref - p_now) / se < 1.0:
            del s.open[trigger]
            return [replace(open_alert, resolved_at=at)]
        return []
