"""A batching sink that inserts into one ClickHouse table, retrying with backoff."""

from __future__ import annotations

import logging
import threading

from clickhouse_connect.driver.client import Client

from pipeline.sinks.base import BatchingSink, Row
from pipeline.warehouse.client import redact
from pipeline.warehouse.tables import Table

log = logging.getLogger(__name__)


class Backoff:
    def __init__(self, first: float = 0.5, ceiling: float = 30.0) -> None:
        self.first, self.ceiling = first, ceiling

    def delays(self):  # noqa: ANN201 - an endless generator of seconds
        delay = self.first
        while True:
            yield delay
            delay = min(delay * 2, self.ceiling)


class SinkStopped(RuntimeError):
    """The worker is stopping while a write still fails: the batch stays unacknowledged."""


class ClickHouseSink(BatchingSink):
    """Inserts a batch; while ClickHouse refuses, waits and retries rather than dropping rows.

    Retrying in place blocks the agent, so it stops consuming: backpressure, not loss.
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

    def write(self, rows: list[Row]) -> None:
        for attempt, delay in enumerate(self.backoff.delays(), start=1):
            try:
                self.client.insert(self.table.name, rows, column_names=list(self.table.columns))
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
                        f"stopped with {len(rows)} unwritten rows for "
                        f"{self.table.name}; they will be replayed"
                    ) from exc
                continue
            if attempt > 1:
                log.warning(
                    "insert into %s succeeded after %d attempts; consuming resumes",
                    self.table.name,
                    attempt,
                )
            return
