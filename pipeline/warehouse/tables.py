"""The tables agents write to: their columns, and how a contract becomes a row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, NamedTuple, Protocol

from pipeline.contracts import Complaint, ComplaintUpdate, DeadLetter, SatisfactionEvent
from pipeline.contracts.complaint_update import update_key
from pipeline.contracts.evolution import UnknownFields, extra_column
from pipeline.gaps import Dimension

# The message's schema_version and the unknown fields kept from it (migration 0009), the
# first columns appended to the input tables.
EVOLUTION = ("schema_version", "extra")

# A row: one value per column, each of its own column's type.
Row = Sequence[Any]


class Classified(Protocol):
    """What a complaint's row takes from its pipeline.classifier.Prediction (this layer does
    not import the classifier)."""

    @property
    def gap(self) -> str: ...
    @property
    def gap_confidence(self) -> float: ...
    @property
    def dimension(self) -> str | None: ...
    @property
    def dimension_confidence(self) -> float: ...
    @property
    def model_version(self) -> str: ...
    @property
    def terms(self) -> Sequence[str]: ...


class SatisfactionRow(NamedTuple):
    event_id: str
    ts: datetime
    store_id: str
    channel: str
    agent_id: str | None
    customer_id: str | None
    score: int
    expectation: dict[Dimension, int]
    perception: dict[Dimension, int]
    source_partition: int
    source_offset: int
    schema_version: int  # EVOLUTION
    extra: str


class ComplaintRow(NamedTuple):
    complaint_id: str
    ts: datetime
    store_id: str
    channel: str
    text: str
    customer_id: str | None
    order_id: str | None
    agent_id: str | None
    gap: str
    gap_confidence: float
    dimension: str | None
    dimension_confidence: float
    model_version: str
    terms: list[str]
    source_partition: int
    source_offset: int
    schema_version: int  # EVOLUTION
    extra: str


class ComplaintUpdateRow(NamedTuple):
    complaint_id: str
    ts: datetime
    status: str
    agent_id: str | None
    recovery_score: int | None
    note: str | None
    source_partition: int
    source_offset: int
    schema_version: int  # EVOLUTION
    extra: str


class DeadLetterRow(NamedTuple):
    dead_letter_id: str
    source_topic: str
    cluster_id: str
    partition: int
    offset: int
    reason: str
    value: str
    value_encoding: str
    key: str | None
    key_encoding: str
    headers: list[dict[str, str]]
    timestamp: datetime | None
    replay_of: str
    received_at: datetime


class AlertRow(NamedTuple):
    alert_id: str
    kind: str
    complaint_id: str
    scope: str
    store_id: str
    channel: str
    opened_at: datetime
    resolved_at: datetime | None
    trigger: str
    baseline: float
    current: float
    drop: float
    baseline_mean: float
    current_mean: float
    ratings: int
    evidence_from: datetime
    evidence_to: datetime
    gaps: dict[str, int]
    dimensions: dict[str, int]
    top_terms: list[str]
    likely_cause: str
    version: int  # 1 open, 2 resolved
    payload: str  # the JSON sent to the alerts topic and the webhook (alert_outbox_mv)
    severity: str  # "page" or "watch" (migration 0010)
    scope_group: str  # a region or brand scope's name, else "" (migration 0011)


class HealthRow(NamedTuple):
    ts: datetime
    worker: str
    topic: str
    partition: int
    end_offset: int
    written_offset: int  # -1: nothing written from the partition yet
    lag: int
    in_flight: int


@dataclass(frozen=True)
class Table:
    """A table agents write: its row type declares the columns, in the order rows hold them.

    Adding a column: a field of the row type (and its value where the row is built) plus a
    migration; columns, keys and the write ledger follow from the row type.
    """

    name: str
    row: type[tuple[Any, ...]]  # a NamedTuple
    # The columns whose values make the row's identity, and how they make it; must match
    # this table's materialized view into ingested_keys.
    key_columns: tuple[str, ...]
    key_of: Callable[..., str] = lambda *values: ":".join(str(v) for v in values)
    # Whether ingested_keys holds this table's keys (rows already there are skipped).
    keyed: bool = True
    # Columns added since, in the order they were added, always last in an agent's row: a
    # block the write ledger kept from before one has shorter rows, which ClickHouse completes
    # with their defaults. Rows built by hand may fill ``columns`` only.
    appended: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = self.row_columns
        if self.appended and names[-len(self.appended) :] != self.appended:
            raise ValueError(f"{self.name}: appended columns {self.appended} must come last")
        missing = set(self.key_columns) - set(names)
        if missing:
            raise ValueError(f"{self.name}: no key column {sorted(missing)}")

    # Derived once per table: rows are keyed and placed on the ingest path, row by row.
    @cached_property
    def row_columns(self) -> tuple[str, ...]:
        """The columns of a row as the agents build and write it."""
        return tuple(self.row._fields)  # type: ignore[attr-defined]  # a NamedTuple's, which type[] cannot name

    @cached_property
    def columns(self) -> tuple[str, ...]:
        """The columns every row has, those appended since left out."""
        return self.row_columns[: len(self.row_columns) - len(self.appended)]

    @cached_property
    def _key_at(self) -> tuple[int, ...]:
        return tuple(self.row_columns.index(c) for c in self.key_columns)

    @cached_property
    def _position_at(self) -> tuple[int, int] | None:
        if "source_offset" not in self.columns:
            return None
        return self.columns.index("source_partition"), self.columns.index("source_offset")

    def key(self, row: Row) -> str:
        return self.key_of(*(row[i] for i in self._key_at))

    def position(self, row: Row) -> tuple[int, int] | None:
        """Where the row's message sat (partition, offset), for tables that record it."""
        at = self._position_at
        return None if at is None else (int(row[at[0]]), int(row[at[1]]))


SATISFACTION_EVENTS = Table(
    "satisfaction_events", SatisfactionRow, ("event_id",), appended=EVOLUTION
)
COMPLAINTS = Table("complaints", ComplaintRow, ("complaint_id",), appended=EVOLUTION)
COMPLAINT_UPDATES = Table(
    "complaint_updates",
    ComplaintUpdateRow,
    ("complaint_id", "status", "ts"),
    update_key,
    appended=EVOLUTION,
)
DEAD_LETTERS = Table("dead_letters", DeadLetterRow, ("dead_letter_id",))
ALERTS = Table(
    "alerts",
    AlertRow,
    ("alert_id", "version"),
    keyed=False,  # the alert runner never writes an alert twice; the token covers retries
    appended=("severity", "scope_group"),
)
# A worker's lag per partition, written by its health timer every few seconds. Not through
# a sink: a heartbeat row lost in a crash is replaced by the next one.
PIPELINE_HEALTH = Table(
    "pipeline_health", HealthRow, ("worker", "topic", "partition", "ts"), keyed=False
)

TABLES = {
    t.name: t for t in (SATISFACTION_EVENTS, COMPLAINTS, COMPLAINT_UPDATES, DEAD_LETTERS, ALERTS)
}


def columns_of(name: str) -> tuple[str, ...]:
    """A table's row columns by name: what the write ledger re-inserts a block with."""
    return TABLES[name].row_columns


def satisfaction_row(
    event: SatisfactionEvent, partition: int, offset: int, unknown: UnknownFields = "keep"
) -> SatisfactionRow:
    """``unknown``: what becomes of the event's unknown fields (GAPWATCH_UNKNOWN_FIELDS)."""
    return SatisfactionRow(
        event_id=event.event_id,
        ts=event.ts,
        store_id=event.store_id,
        channel=event.channel,
        agent_id=event.agent_id,
        customer_id=event.customer_id,
        score=event.score,
        expectation=event.expectation or {},
        perception=event.perception or {},
        source_partition=partition,
        source_offset=offset,
        schema_version=event.schema_version,
        extra=extra_column(event, unknown),
    )


def complaint_row(
    complaint: Complaint,
    prediction: Classified,
    partition: int,
    offset: int,
    unknown: UnknownFields = "keep",
) -> ComplaintRow:
    p = prediction
    return ComplaintRow(
        complaint_id=complaint.complaint_id,
        ts=complaint.ts,
        store_id=complaint.store_id,
        channel=complaint.channel,
        text=complaint.text,
        customer_id=complaint.customer_id,
        order_id=complaint.order_id,
        agent_id=complaint.agent_id,
        gap=p.gap,
        gap_confidence=p.gap_confidence,
        dimension=p.dimension,
        dimension_confidence=p.dimension_confidence,
        model_version=p.model_version,
        terms=list(p.terms),
        source_partition=partition,
        source_offset=offset,
        schema_version=complaint.schema_version,
        extra=extra_column(complaint, unknown),
    )


def dead_letter_row(letter: DeadLetter) -> DeadLetterRow:
    return DeadLetterRow(
        dead_letter_id=letter.dead_letter_id,
        source_topic=letter.source_topic,
        cluster_id=letter.cluster_id,
        partition=letter.partition,
        offset=letter.offset,
        reason=letter.reason,
        value=letter.value,
        value_encoding=letter.value_encoding,
        key=letter.key,
        key_encoding=letter.key_encoding,
        headers=[{"name": h.name, "value_base64": h.value_base64} for h in letter.headers],
        timestamp=letter.timestamp,
        replay_of=letter.replay_of,
        received_at=letter.received_at,
    )


def complaint_update_row(
    update: ComplaintUpdate, partition: int, offset: int, unknown: UnknownFields = "keep"
) -> ComplaintUpdateRow:
    return ComplaintUpdateRow(
        complaint_id=update.complaint_id,
        ts=update.ts,
        status=update.status,
        agent_id=update.agent_id,
        recovery_score=update.recovery_score,
        note=update.note,
        source_partition=partition,
        source_offset=offset,
        schema_version=update.schema_version,
        extra=extra_column(update, unknown),
    )
