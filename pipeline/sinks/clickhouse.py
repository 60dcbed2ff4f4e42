"""A batching sink that inserts into one ClickHouse table exactly once, whatever happens.

Each flush becomes one block: the rows whose keys the warehouse does not hold yet, encoded
once, with a token derived from those keys. The block is recorded in the write ledger before
it is inserted and marked done after, so a kill at any instant is repaired by inserting the
same bytes with the same token again (``pipeline.sinks.ledger``; docs/delivery.md).

Errors: rows the warehouse refuses for what they hold are set aside and returned, so one bad
row never stalls a partition; anything else (the server away or busy) is retried with
backoff, in place, which pauses consuming: backpressure, not loss.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from clickhouse_connect.driver.client import Client

from pipeline.sinks.base import BatchingSink, Flushed, Row
from pipeline.sinks.block import Block, encode, insert, token_for
from pipeline.sinks.ledger import WriteLedger
from pipeline.warehouse.errors import WriteError, classify
from pipeline.warehouse.tables import Table, columns_of

log = logging.getLogger(__name__)

_PRESENT = "SELECT key FROM ingested_keys WHERE tbl = {tbl:String} AND key IN {keys:Array(String)}"
T = TypeVar("T")
OnError = Callable[[WriteError], None]


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
    def __init__(
        self,
        client: Client,
        table: Table,
        stopping: threading.Event | None = None,
        backoff: Backoff | None = None,
        *,
        ledger: WriteLedger | None = None,
        on_error: OnError | None = None,
    ) -> None:
        """``ledger``: shared by a worker's sinks; a sink of its own otherwise (tests)."""
        super().__init__()
        self.client, self.table = client, table
        self.stopping = stopping or threading.Event()
        self.backoff = backoff or Backoff()
        self.ledger = ledger or WriteLedger(client, "gapwatch", columns_of)
        self.on_error = on_error
        self.skipped = 0  # rows already in the warehouse: replays and republished ids

    def write(self, rows: list[Row]) -> Flushed:
        new = self._retrying(lambda: self._new_rows(rows), len(rows))
        if not new:
            self.skipped += len(rows)
            return Flushed()
        lines, unencodable = encode(new)
        block = Block(
            self.table.name,
            self.table.row_columns,
            token_for(self.table.name, [self.table.key(row) for row in new]),
            tuple(lines),
        )
        refused = unencodable + self._retrying(lambda: self._insert(block), len(new))
        for r in refused:
            self._report(r.error)
            log.error(
                "%s refused a row for its data, set aside as a dead letter: %s",
                self.table.name,
                r.error,
            )
        self.skipped += len(rows) - len(new)
        return Flushed(
            written=len(new) - len(refused),
            refused=[(new[r.index], str(r.error)) for r in refused],
        )

    def _new_rows(self, rows: list[Row]) -> list[Row]:
        """The first row of each key, less the keys the warehouse already holds; any write
        interrupted before (this worker's or another's) is completed first."""
        self.ledger.repair_if_needed()
        by_key: dict[str, Row] = {}
        for row in rows:
            by_key.setdefault(self.table.key(row), row)
        if not self.table.keyed:
            return list(by_key.values())
        present = {
            key
            for (key,) in self.client.query(
                _PRESENT, parameters={"tbl": self.table.name, "keys": list(by_key)}
            ).result_rows
        }
        return [row for key, row in by_key.items() if key not in present]

    def _insert(self, block: Block) -> list:
        self.ledger.begin(block)
        refused = insert(self.client, block, on_split=self._split)
        self.ledger.done(block)
        return refused

    def _split(self, error: str) -> None:
        log.warning("%s refused a block for its data (%s); splitting it", self.table.name, error)

    def _retrying(self, attempt: Callable[[], T], rows: int) -> T:
        """Run ``attempt`` until it succeeds; transient errors wait and retry, in place."""
        for number, delay in enumerate(self.backoff.delays(), start=1):
            try:
                result = attempt()
            except Exception as exc:
                error = classify(exc)
                self._report(error)
                log.warning(
                    "write of %d rows to %s failed (attempt %d, %s); consuming is paused, "
                    "retrying in %.1fs",
                    rows,
                    self.table.name,
                    number,
                    error,
                    delay,
                )
                if self.stopping.wait(delay):
                    raise SinkStopped(
                        f"stopped with {rows} unwritten rows for {self.table.name}; "
                        "they will be replayed"
                    ) from exc
                continue
            if number > 1:
                log.warning(
                    "write to %s succeeded after %d attempts; consuming resumes",
                    self.table.name,
                    number,
                )
            return result
        raise AssertionError("unreachable: backoff delays never end")

    def _report(self, error: WriteError) -> None:
        if self.on_error is not None:
            self.on_error(error)
