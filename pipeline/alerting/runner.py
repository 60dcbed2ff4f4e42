"""Feed closed event-time windows from the warehouse to the detector; record new alerts.

On start it replays recent history, so its state is what live traffic would have built;
alerts already in the table are not emitted again, so a restart or a replay repeats none.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from clickhouse_connect.driver.client import Client

from pipeline.alerting.detector import Detector, DetectorConfig
from pipeline.alerting.explain import explain
from pipeline.alerting.outputs import AlertRecord
from pipeline.alerting.sla import SlaTargets, sla_breaches
from pipeline.alerting.stream import Ratings, ScopeFeed, floor
from pipeline.sinks import ClickHouseSink, Sink
from pipeline.warehouse.stores import read_directory
from pipeline.warehouse.tables import ALERTS

# Whole days of each store before the replay starts: what the slow checks read further back.
_DAYS = """
SELECT store_id, toDate(bucket) AS day, sum(ratings), sum(top2_ratings), sum(score_sum)
FROM satisfaction_hour
WHERE bucket >= {since:DateTime} AND bucket < {until:DateTime}
GROUP BY store_id, day
"""

_WINDOWS = """
SELECT toStartOfInterval(bucket, INTERVAL {minutes:UInt32} MINUTE) AS w, store_id, channel,
       sum(ratings), sum(top2_ratings), sum(score_sum), sum(score_1)
FROM satisfaction_minute
WHERE bucket >= {since:DateTime} AND bucket < {until:DateTime}
GROUP BY w, store_id, channel
ORDER BY w
"""

# Partitions of satisfaction-events whose latest health row shows unwritten messages.
_BEHIND = """
SELECT partition, argMax(lag, ts) AS lag
FROM pipeline_health
WHERE topic = 'satisfaction-events' AND ts > now64(3) - INTERVAL {fresh:UInt32} SECOND
GROUP BY partition
"""
_WRITTEN_UP_TO = """
SELECT source_partition, max(ts) FROM satisfaction_events
WHERE source_partition IN {partitions:Array(UInt16)}
GROUP BY source_partition
"""


class AlertRunner:
    def __init__(
        self,
        client: Client,
        config: DetectorConfig | None = None,
        replay: timedelta = timedelta(days=14),
        lateness: timedelta = timedelta(minutes=2),
        sla: SlaTargets | None = None,
        partitions: int | None = None,
        fresh: timedelta = timedelta(seconds=30),
        sink: Sink | None = None,
    ) -> None:
        """`partitions`: of satisfaction-events, when workers report their lag to
        pipeline_health; event time then waits for partitions that are behind. `sink`:
        where alert rows go (the worker's, sharing its write ledger)."""
        self.client = client
        self.sink = sink or ClickHouseSink(client, ALERTS)
        self.partitions, self.fresh = partitions, fresh
        self.sla = sla
        self.detector = Detector(config)
        self.feed = ScopeFeed(self.detector)
        self.replay, self.lateness = replay, lateness
        self.next: datetime | None = None  # start of the first window not yet fed
        self.emitted: set[tuple[str, str]] | None = None

    @property
    def window(self) -> timedelta:
        return self.detector.config.window

    def step(self) -> list[AlertRecord]:
        """Feed every window closed since the last step, check the service-level targets,
        and return the alerts new to the table (already written there)."""
        if self.emitted is None:
            self.emitted = self._already_emitted()
        # Stores join or change regions while the worker runs: read at every step (a few
        # hundred rows at most).
        self.feed.directory = read_directory(self.client)
        records = self._drops() + self._sla_breaches()
        for r in records:
            self.sink.add(r.row())
        self.sink.flush()  # with the outbox rows, through the write ledger
        return records

    def _drops(self) -> list[AlertRecord]:
        latest = self.client.query(
            "SELECT max(bucket), count() FROM satisfaction_minute"
        ).result_rows
        if not latest or not latest[0][1]:
            return []
        event_time = latest[0][0].replace(tzinfo=None)
        if self.partitions is not None:
            held = self._held_back_to(self.partitions)
            if held is None:
                return []
            event_time = min(event_time, held)
        # A window is closed once event time has moved past its end by the allowed lateness.
        until = floor(event_time - self.lateness, self.window)
        if self.next is None:
            self.next = floor(until - self.replay, self.window)
            self._seed_slow_checks(self.next)
        if until <= self.next:
            return []
        records = self._feed(self.next, until)
        self.next = until
        return records

    def _seed_slow_checks(self, replay_from: datetime) -> None:
        """Daily totals from before the replay, so drift and small-store checks work from a
        restart without replaying a month and a half of windows."""
        first_day = replay_from.replace(hour=0, minute=0, second=0, microsecond=0)
        slow = self.feed.slow
        rows = self.client.query(
            _DAYS,
            parameters={
                "since": first_day - timedelta(days=slow.history_days),
                "until": first_day,
            },
        ).result_rows
        for store, day, n, top2, score in rows:
            slow.seed(store, day.toordinal(), int(n), int(top2), int(score))

    def _held_back_to(self, partitions: int) -> datetime | None:
        """Event time as far as every partition has been written: a partition still being
        caught up on (a backlog after an outage, a restart) holds it back to what it has
        written, so its older ratings are not missed; a partition with nothing waiting
        does not. None: some partition is unaccounted for (no fresh health row) or has
        written nothing yet, so no window can be closed."""
        lags: dict[int, int] = {
            partition: lag
            for partition, lag in self.client.query(
                _BEHIND, parameters={"fresh": int(self.fresh.total_seconds())}
            ).result_rows
        }
        if len(lags) < partitions:
            return None
        behind = [p for p, lag in lags.items() if lag > 0]
        if not behind:
            return datetime.max
        written: dict[int, datetime] = {
            partition: ts
            for partition, ts in self.client.query(
                _WRITTEN_UP_TO, parameters={"partitions": behind}
            ).result_rows
        }
        if len(written) < len(behind):
            return None
        return min(written.values()).replace(tzinfo=None)

    def _sla_breaches(self) -> list[AlertRecord]:
        if self.sla is None:
            return []
        # Event time now: the latest moment any input has told us about.
        [(now,)] = self.client.query(
            "SELECT greatest((SELECT max(ts) FROM complaints), (SELECT max(ts) FROM "
            "complaint_updates), (SELECT max(bucket) + 60 FROM satisfaction_minute))"
        ).result_rows
        now = now.replace(tzinfo=UTC)
        horizon = max(self.replay, 2 * self.sla.resolution)
        fresh = []
        assert self.emitted is not None
        for record in sla_breaches(self.client, self.sla, now, now - horizon):
            key = (record.event.alert_id, record.state)
            if key in self.emitted:
                continue
            self.emitted.update({key, (record.event.alert_id, "open")})
            fresh.append(record)
        return fresh

    def _feed(self, since: datetime, until: datetime) -> list[AlertRecord]:
        minutes = int(self.window.total_seconds() // 60)
        rows = self.client.query(
            _WINDOWS, parameters={"minutes": minutes, "since": since, "until": until}
        ).result_rows
        by_window: dict[datetime, list[Ratings]] = defaultdict(list)
        for w, store, channel, n, top2, score, ones in rows:
            by_window[w.replace(tzinfo=None)].append(
                (store, channel, int(n), int(top2), int(score), int(ones))
            )
        records = []
        at = since
        while at < until:
            for event in self.feed.feed(at, by_window.get(at, [])):
                key = (event.alert_id, event.state)
                assert self.emitted is not None
                if key in self.emitted:
                    continue
                self.emitted.add(key)
                records.append(AlertRecord(event, explain(self.client, event)))
            at += self.window
        return records

    def _already_emitted(self) -> set[tuple[str, str]]:
        rows = self.client.query(
            "SELECT alert_id, resolved_at IS NOT NULL FROM alerts FINAL"
        ).result_rows
        return {(alert_id, "resolved" if resolved else "open") for alert_id, resolved in rows} | {
            (alert_id, "open") for alert_id, _ in rows
        }
