"""The job every peer does, whatever reads the topic: our contract, the worker's rows (with
the worker's classifier for complaints), a clickhouse-connect insert; and what a run records.
Imports no Faust: the Quix virtualenv imports it too."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from pipeline.contracts import Complaint, Contract, Limits, Rejection, SatisfactionEvent, decode
from pipeline.warehouse.tables import COMPLAINTS, SATISFACTION_EVENTS, Row, Table

# A message that passed its contract, and where it sat (partition, offset).
Pending = tuple[Any, int, int]


@dataclass(frozen=True)
class Job:
    contract: type[Contract]
    table: Table

    @property
    def key(self) -> str:
        return self.table.key_columns[0]

    def count_sql(self) -> str:
        return f"SELECT count(), uniqExact({self.key}) FROM {self.table.name}"

    def rows_sql(self) -> str:
        return f"SELECT count() FROM {self.table.name}"  # cheap: what a poll asks

    def blocks_sql(self) -> str:
        """When the first and the last block became queryable, from the table itself: every
        block gets its own ingested_at (DEFAULT now64(3), one value per insert)."""
        t = self.table.name
        return (
            "SELECT toUnixTimestamp64Milli(min(ingested_at)) / 1000, "
            "toUnixTimestamp64Milli(max(ingested_at)) / 1000, "
            f"countIf(ingested_at = (SELECT max(ingested_at) FROM {t})) FROM {t}"
        )


JOBS = {
    "satisfaction": Job(SatisfactionEvent, SATISFACTION_EVENTS),
    "complaint": Job(Complaint, COMPLAINTS),
}


@dataclass
class Progress:
    """Wall clock (epoch s) and process CPU (all threads, chDB's included) at the first rows
    queryable and at the last: the rate window leaves start-up out."""

    expected: int
    first_message_at: float | None = None
    first_rows_at: float | None = None
    first_rows: int = 0
    first_cpu: float = 0.0
    done_at: float | None = None
    done_cpu: float = 0.0
    written: int = 0
    rejected: list[str] = field(default_factory=list)
    # The first block's and the last block's ingested_at, and the last block's rows.
    blocks: tuple[float, float, int] | None = None

    def read_blocks(self, client: Client, job: Job) -> None:
        first, last, rows = client.query(job.blocks_sql()).result_rows[0]
        self.blocks = (float(first), float(last), int(rows))

    def received(self) -> None:
        if self.first_message_at is None:
            self.first_message_at = time.time()

    def queryable(self, rows: int, cpu: Callable[[], float] = time.process_time) -> None:
        """``rows`` in the table now (after an insert returned, or as counted); ``cpu``: the
        measured process's CPU seconds (by default this process's)."""
        self.written = rows
        if self.first_rows_at is None and rows > 0:
            self.first_rows_at, self.first_rows, self.first_cpu = time.time(), rows, cpu()
        if self.done_at is None and rows >= self.expected:
            self.done_at, self.done_cpu = time.time(), cpu()

    @property
    def done(self) -> bool:
        return self.done_at is not None


class Validator:
    """Our contract, as the worker applies it: a Rejection is kept, never written."""

    def __init__(self, progress: Progress, job: Job) -> None:
        self.limits, self.now = Limits(), datetime.now(UTC)
        self.progress, self.job = progress, job

    def __call__(self, raw: bytes | None, partition: int, offset: int) -> Pending | None:
        message = decode(raw, self.job.contract, self.limits, self.now)
        if isinstance(message, Rejection):
            self.progress.rejected.append(f"{partition}:{offset} {message.reason}")
            return None
        return message, partition, offset


class Writer:
    """The worker's rows for validated messages, inserted in one clickhouse-connect call;
    complaints are classified first, a batch at a time, by the worker's classifier."""

    def __init__(self, client: Client, job: Job, progress: Progress) -> None:
        self.client, self.job, self.progress = client, job, progress
        self.model: Any = None
        if job.contract is Complaint:
            from pipeline.classifier import load_or_build
            from pipeline.config import Settings

            classifier = Settings().classifier
            self.model = load_or_build(classifier.model_dir, classifier.assets_dir)

    def rows(self, pending: list[Pending]) -> list[Row]:
        from pipeline.warehouse.tables import complaint_row, satisfaction_row

        if self.model is None:
            return [satisfaction_row(m, p, o) for m, p, o in pending]
        predictions = self.model.predict([m.text for m, _, _ in pending])
        return [
            complaint_row(m, c, p, o) for (m, p, o), c in zip(pending, predictions, strict=True)
        ]

    def write(self, pending: list[Pending]) -> None:
        """Insert, then count the rows as queryable (chDB's insert returns once they are)."""
        if pending:
            table = self.job.table
            self.client.insert(table.name, self.rows(pending), column_names=list(table.row_columns))
        self.progress.queryable(self.progress.written + len(pending))
