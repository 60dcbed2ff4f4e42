"""The tables agents write to: their columns, and how a contract becomes a row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pipeline.contracts import Complaint, ComplaintUpdate, DeadLetter, SatisfactionEvent
from pipeline.contracts.complaint_update import update_key
from pipeline.contracts.evolution import UnknownFields, extra_column

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


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    # The row's identity; must match this table's materialized view into ingested_keys.
    key: Callable[[Row], str]
    # Whether ingested_keys holds this table's keys (rows already there are skipped).
    keyed: bool = True
    # Columns added since, in the order they were added, always last in an agent's row: a
    # block the write ledger kept from before one has shorter rows, which ClickHouse completes
    # with their defaults. Rows built by hand may fill ``columns`` only.
    appended: tuple[str, ...] = ()

    @property
    def row_columns(self) -> tuple[str, ...]:
        """The columns of a row as the agents build and write it."""
        return self.columns + self.appended

    def position(self, row: Row) -> tuple[int, int] | None:
        """Where the row's message sat (partition, offset), for tables that record it."""
        if "source_offset" not in self.columns:
            return None
        at = self.columns.index
        return int(row[at("source_partition")]), int(row[at("source_offset")])


def _first(row: Row) -> str:
    return str(row[0])


SATISFACTION_EVENTS = Table(
    "satisfaction_events",
    (
        "event_id",
        "ts",
        "store_id",
        "channel",
        "agent_id",
        "customer_id",
        "score",
        "expectation",
        "perception",
        "source_partition",
        "source_offset",
    ),
    _first,
    appended=EVOLUTION,
)
COMPLAINTS = Table(
    "complaints",
    (
        "complaint_id",
        "ts",
        "store_id",
        "channel",
        "text",
        "customer_id",
        "order_id",
        "agent_id",
        "gap",
        "gap_confidence",
        "dimension",
        "dimension_confidence",
        "model_version",
        "terms",
        "source_partition",
        "source_offset",
    ),
    _first,
    appended=EVOLUTION,
)
COMPLAINT_UPDATES = Table(
    "complaint_updates",
    (
        "complaint_id",
        "ts",
        "status",
        "agent_id",
        "recovery_score",
        "note",
        "source_partition",
        "source_offset",
    ),
    lambda row: update_key(str(row[0]), str(row[2]), row[1]),  # row[1] is the ts column
    appended=EVOLUTION,
)
DEAD_LETTERS = Table(
    "dead_letters",
    (
        "dead_letter_id",
        "source_topic",
        "cluster_id",
        "partition",
        "offset",
        "reason",
        "value",
        "value_encoding",
        "key",
        "key_encoding",
        "headers",
        "timestamp",
        "replay_of",
        "received_at",
    ),
    _first,
)


ALERTS = Table(
    "alerts",
    (
        "alert_id",
        "kind",
        "complaint_id",
        "scope",
        "store_id",
        "channel",
        "opened_at",
        "resolved_at",
        "trigger",
        "baseline",
        "current",
        "drop",
        "baseline_mean",
        "current_mean",
        "ratings",
        "evidence_from",
        "evidence_to",
        "gaps",
        "dimensions",
        "top_terms",
        "likely_cause",
        "version",
        "payload",  # the JSON sent to the alerts topic and the webhook (alert_outbox_mv)
    ),
    lambda row: f"{row[0]}:{row[21]}",  # alert_id:version (1 open, 2 resolved)
    keyed=False,  # the alert runner never writes an alert twice; the token covers retries
)

# A worker's lag per partition, written by its health timer every few seconds. Not through
# a sink: a heartbeat row lost in a crash is replaced by the next one.
PIPELINE_HEALTH = Table(
    "pipeline_health",
    ("ts", "worker", "topic", "partition", "end_offset", "written_offset", "lag", "in_flight"),
    lambda row: f"{row[1]}:{row[2]}:{row[3]}:{row[0]}",
    keyed=False,
)

TABLES = {
    t.name: t for t in (SATISFACTION_EVENTS, COMPLAINTS, COMPLAINT_UPDATES, DEAD_LETTERS, ALERTS)
}


def columns_of(name: str) -> tuple[str, ...]:
    """A table's row columns by name: what the write ledger re-inserts a block with."""
    return TABLES[name].row_columns


def satisfaction_row(
    event: SatisfactionEvent, partition: int, offset: int, unknown: UnknownFields = "keep"
) -> tuple[Any, ...]:
    """``unknown``: what becomes of the event's unknown fields (GAPWATCH_UNKNOWN_FIELDS)."""
    return (
        event.event_id,
        event.ts,
        event.store_id,
        event.channel,
        event.agent_id,
        event.customer_id,
        event.score,
        event.expectation or {},
        event.perception or {},
        partition,
        offset,
        event.schema_version,
        extra_column(event, unknown),
    )


def complaint_row(
    complaint: Complaint,
    prediction: Classified,
    partition: int,
    offset: int,
    unknown: UnknownFields = "keep",
) -> tuple[Any, ...]:
    p = prediction
    return (
        complaint.complaint_id,
        complaint.ts,
        complaint.store_id,
        complaint.channel,
        complaint.text,
        complaint.customer_id,
        complaint.order_id,
        complaint.agent_id,
        p.gap,
        p.gap_confidence,
        p.dimension,
        p.dimension_confidence,
        p.model_version,
        list(p.terms),
        partition,
        offset,
        complaint.schema_version,
        extra_column(complaint, unknown),
    )


def dead_letter_row(letter: DeadLetter) -> tuple[Any, ...]:
    return (
        letter.dead_letter_id,
        letter.source_topic,
        letter.cluster_id,
        letter.partition,
        letter.offset,
        letter.reason,
        letter.value,
        letter.value_encoding,
        letter.key,
        letter.key_encoding,
        [{"name": h.name, "value_base64": h.value_base64} for h in letter.headers],
        letter.timestamp,
        letter.replay_of,
        letter.received_at,
    )


def complaint_update_row(
    update: ComplaintUpdate, partition: int, offset: int, unknown: UnknownFields = "keep"
) -> tuple[Any, ...]:
    return (
        update.complaint_id,
        update.ts,
        update.status,
        update.agent_id,
        update.recovery_score,
        update.note,
        partition,
        offset,
        update.schema_version,
        extra_column(update, unknown),
    )
