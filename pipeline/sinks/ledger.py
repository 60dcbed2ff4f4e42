"""The write ledger: blocks recorded before they are inserted, so a kill at any instant is
repaired by inserting exactly the same block again (docs/delivery.md).

The ClickHouse Kafka Connect sink keeps the same kind of record (per-partition offset range
and a before/after state) and, after a crash, re-inserts the same range with the same token.
Ours keeps the block itself, so a repair needs neither the broker (whose data may be gone)
nor the same batch boundaries, model or clock: only the bytes and the token.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from clickhouse_connect.driver.client import Client

from pipeline.sinks.block import Block, Refused, insert

log = logging.getLogger(__name__)

PENDING, DONE = 1, 2
_COLUMNS = ["token", "tbl", "columns", "rows", "payload", "state", "worker"]
# Blocks begun and never marked done. A pending block is never older than the crash that
# left it, and repairs run at every assignment, so a day is a generous horizon.
_PENDING = """
SELECT token, any(tbl), argMax(columns, state), argMax(payload, state)
FROM write_ledger
WHERE at > now64(3) - INTERVAL 1 DAY
GROUP BY token
HAVING max(state) = 1
ORDER BY min(at)
"""


ColumnsOf = Callable[[str], tuple[str, ...]]


class WriteLedger:
    """``repair_needed`` is set at start and at every partition assignment: the next write
    repairs first, so no replayed message is written before the block it belonged to."""

    def __init__(self, client: Client, worker: str, columns_of: ColumnsOf) -> None:
        self.client, self.worker, self.columns_of = client, worker, columns_of
        self.repair_needed = threading.Event()
        self.repair_needed.set()
        self.repaired = 0  # blocks completed here from the ledger

    def repair_if_needed(self) -> None:
        if self.repair_needed.is_set():
            self.repair_needed.clear()
            try:
                self.repaired += len(self.repair())
            except BaseException:
                self.repair_needed.set()  # not done: the next attempt repairs again
                raise

    def begin(self, block: Block) -> None:
        self._record(block, PENDING, block.payload)

    def done(self, block: Block) -> None:
        self._record(block, DONE, b"")

    def _record(self, block: Block, state: int, payload: bytes) -> None:
        self.client.insert(
            "write_ledger",
            [
                (
                    block.token,
                    block.table,
                    list(block.columns),
                    len(block.lines),
                    payload,
                    state,
                    self.worker,
                )
            ],
            column_names=_COLUMNS,
        )

    def pending(self) -> list[Block]:
        """Blocks some worker began and did not finish, oldest first, with the columns they
        were written with (a table may have gained some since: those take their defaults)."""
        return [
            Block.from_payload(
                table,
                columns or self.columns_of(table),
                token,
                payload if isinstance(payload, bytes) else payload.encode(),
            )
            for token, table, columns, payload in self.client.query(_PENDING).result_rows
        ]

    def repair(self) -> list[tuple[Block, list[Refused]]]:
        """Insert every pending block again with its own token and mark it done: wherever
        it had landed ClickHouse drops it, wherever it had not (a view the kill cut off) it
        is written. Rows the warehouse refuses are left to the replay, which dead-letters
        them. Returns the blocks repaired."""
        repaired = []
        for block in self.pending():
            refused = insert(self.client, block)
            self.done(block)
            log.warning(
                "repaired an interrupted write of %d rows into %s (token %s…)",
                len(block.lines),
                block.table,
                block.token[:12],
            )
            repaired.append((block, refused))
        return repaired
