"""A batching sink that inserts into one ClickHouse table idempotently, retrying with backoff."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator

from clickhouse_connect.driver.client import Client

from pipeline.sinks.base import BatchingSink, Row
from pipeline.warehouse.client import redact
from pipeline.warehouse.tables import Table

log = logging.getLogger(__name__)

_PRESENT = "SELECT key FROM ingested_keys WHERE tbl = {tbl:String} AND key IN {keys:Array(String)}"


class Backoff:
    def __init__(self, first: float = 0.5, ceiling: float = 30.0) -> None:
        self.first, self.ceiling = first, ceiling

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay
            delay = min(delay * 2, self.ceiling)


class SinkStopped(RuntimeError):
    """The worker is stopping while a write still fails: the batch stays unacknowledged."""


class ClickHouseSink(BatchingSink):
    """Inserts only rows whose keys the warehouse does not hold yet, so replays count once.

    While ClickHouse refuses, it waits and retries rather than dropping rows. Retrying in
    place blocks the agent, so it stops consuming: backpressure, not loss.
    """

    def __init__(
        self,
        client: Client,
        table: Table,
        stopping: threading.Event | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__()
        self.client, self.table = client, table
        self.stopping = stopping or threading.Event()
        self.backoff = backoff or Backoff()
        self.skipped = 0  # rows already in the warehouse: replays and republished ids

    def write(self, rows: list[Row]) -> int:
        for attempt, delay in enumerate(self.backoff.delays(), start=1):
            try:
                written = self._insert_new(rows)
            except Exception as exc:
                log.warning(
                    "insert of %d rows into %s failed (attempt %d: %s); consuming is paused, "
                    "retrying in %.1fs",
                    len(rows),
                    self.table.name,
                    attempt,
                    redact(str(exc)).splitlines()[0][:300],
                    delay,
                )
                if self.stopping.wait(delay):
                    raise SinkStopped(
                        f"stopped with {len(rows)} unwritten rows for {self.table.name}; "
                        "they will be replayed"
                    ) from exc
                continue
            if attempt > 1:
                log.warning(
                    "insert into %s succeeded after %d attempts; consuming resumes",
                    self.table.name,
                    attempt,
                )
            self.skipped += len(rows) - written
            return written
        raise AssertionError("unreachable: backoff delays never end")

    def _insert_new(self, rows: list[Row]) -> int:
        by_key: dict[str, Row] = {}
        for row in rows:
            by_key.setdefault(self.table.key(row), row)
        present = {
            key
            for (key,) in self.client.query(
                _PRESENT, parameters={"tbl": self.table.name, "keys": list(by_key)}
            ).result_rows
        }
        new = {key: row for key, row in by_key.items() if key not in present}
        if not new:
            return 0
        # If an earlier attempt did land but its answer was lost, ClickHouse drops this
        # identical block, in the table and in every materialized view it feeds.
        token = hashlib.sha256("\n".join([self.table.name, *sorted(new)]).encode()).hexdigest()
        self.client.insert(
            self.table.name,
            list(new.values()),
            column_names=list(self.table.columns),
            settings={
                "insert_deduplication_token": token,
                "deduplicate_blocks_in_dependent_materialized_views": 1,
            },
        )
        return len(new)
