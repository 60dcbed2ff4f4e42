"""The tables agents write to: their columns, and how a contract becomes a row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.contracts import Complaint, ComplaintUpdate, DeadLetter, SatisfactionEvent


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    # The row's identity; must match this table's materialized view into ingested_keys.
    key: Callable[[Sequence[object]], str]


def _first(row: Sequence[object]) -> str:
    return str(row[0])


def _position(row: Sequence[object]) -> str:
    return f"{row[0]}:{row[1]}:{row[2]}"  # source_topic:partition:offset


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
    # Must match complaint_updates_keys_mv: complaint_id|status|epoch milliseconds.
    lambda row: f"{row[0]}|{row[2]}|{int(row[1].timestamp() * 1000)}",  # type: ignore[attr-defined]
)
DEAD_LETTERS = Table(
    "dead_letters",
    ("source_topic", "partition", "offset", "reason", "value", "value_encoding", "received_at"),
    _position,
)


def satisfaction_row(event: SatisfactionEvent, partition: int, offset: int) -> tuple:
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
    )


def complaint_row(complaint: Complaint, prediction: object, partition: int, offset: int) -> tuple:
    p = prediction  # a pipeline.classifier.Prediction; typed loosely to keep layers apart
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
        p.gap_confidence,  # type: ignore[attr-defined]
        p.dimension,
        p.dimension_confidence,
        p.model_version,
        list(p.terms),  # type: ignore[attr-defined]
        partition,
        offset,
    )


def dead_letter_row(letter: DeadLetter) -> tuple:
    return (
        letter.source_topic,
        letter.partition,
        letter.offset,
        letter.reason,
        letter.value,
        letter.value_encoding,
        letter.received_at,
    )


def complaint_update_row(update: ComplaintUpdate, partition: int, offset: int) -> tuple:
    return (
        update.complaint_id,
        update.ts,
        update.status,
        update.agent_id,
        update.recovery_score,
        update.note,
        partition,
        offset,
    )
