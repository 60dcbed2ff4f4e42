"""Closed event-time windows → scope windows (overall, region, brand, store, store ×
channel) → the detector → one alert per drop.

The part of alerting that neither reads the warehouse nor writes anything: the worker's
alert runner feeds it windows from the satisfaction rollup, ``gapwatch alerts backtest``
from a file of events, so both raise the same alerts from the same ratings.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from pipeline.alerting.detector import AlertEvent, Detector, Scope, Window
from pipeline.alerting.slow import SlowChecks
from pipeline.warehouse.stores import Directory

# One store × channel's ratings in a window: store, channel, ratings, top-two ratings, sum
# of scores, ratings of 1.
Ratings = tuple[str, str, int, int, int, int]


class ScopeFeed:
    def __init__(
        self,
        detector: Detector,
        slow: SlowChecks | None = None,
        directory: Directory | None = None,
    ) -> None:
        """``directory``: each store's region and brand (``pipeline.warehouse.stores``); each
        region and brand then has a scope pooling its stores' ratings, which pages by the
        same rule as any scope, so stores too quiet to page alone are watched together."""
        self.detector = detector
        self.slow = slow or SlowChecks(pages=detector.pages)
        self.directory: Directory = directory or {}
        self.suppressed: set[str] = set()

    def feed(self, at: datetime, rows: list[Ratings]) -> list[AlertEvent]:
        """The alerts that open or resolve once the window starting ``at`` (UTC) closes."""
        events = []
        for window in self._scope_windows(at, rows):
            events += self.detector.observe(window)
            events += self.slow.observe(window)  # drifts and small stores, at a day's end
        return self._one_alert_per_drop(events)

    def _scope_windows(self, at: datetime, rows: list[Ratings]) -> list[Window]:
        """Overall, per store and per store × channel; known scopes with no ratings get an
        empty window, so quiet hours count too."""
        totals: dict[Scope, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for store, channel, n, top2, score, ones in rows:
            for scope in (
                Scope("overall"),
                *self._groups(store),
                Scope("store", store),
                Scope("store_channel", store, channel),
            ):
                t = totals[scope]
                t[0] += n
                t[1] += top2
                t[2] += score
                t[3] += ones
        for scope in self.detector.scopes():
            totals.setdefault(scope, [0, 0, 0, 0])
        stamp = at.replace(tzinfo=UTC)
        return [Window(scope, stamp, *t) for scope, t in totals.items()]

    def _groups(self, store: str) -> tuple[Scope, ...]:
        group = self.directory.get(store)
        if group is None:
            return ()
        named = (("region", group.region), ("brand", group.brand))
        return tuple(Scope(kind, group=name) for kind, name in named if name)

    def _one_alert_per_drop(self, events: list[AlertEvent]) -> list[AlertEvent]:
        """A store × channel alert adds nothing while its store's own alert is open."""
        open_stores = {
            a.scope.store_id for a in self.detector.open_alerts() if a.scope.kind == "store"
        }
        kept = []
        for event in events:
            if event.alert_id in self.suppressed:
                continue  # the resolution of an alert never raised
            if (
                event.scope.kind == "store_channel"
                and event.resolved_at is None
                and event.scope.store_id in open_stores
            ):
                self.suppressed.add(event.alert_id)
                continue
            kept.append(event)
        return kept


def floor(moment: datetime, step: timedelta) -> datetime:
    """The start of the window of ``step`` holding ``moment`` (windows start at the epoch, in
    the moment's own zone or none)."""
    epoch = datetime(1970, 1, 1, tzinfo=moment.tzinfo)
    return epoch + ((moment - epoch) // step) * step
