"""Pure batch steps behind the agents: raw messages in, rows and dead letters out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from pydantic import ValidationError

from pipeline.classifier import Prediction
from pipeline.contracts import (
    Complaint,
    ComplaintUpdate,
    Contract,
    DeadLetter,
    Limits,
    Rejection,
    SatisfactionEvent,
    decode,
)
from pipeline.contracts.evolution import newer_version, unknown_fields
from pipeline.warehouse.tables import (
    complaint_row,
    complaint_update_row,
    dead_letter_row,
    satisfaction_row,
)

C = TypeVar("C", bound=Contract)


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    value: bytes | None
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()
    timestamp: datetime | None = None  # the record's Kafka timestamp
    cluster_id: str = ""  # the Kafka cluster it was read from

    def dead_letter(self, reason: str, now: datetime) -> DeadLetter:
        return DeadLetter.of(
            self.value,
            topic=self.topic,
            partition=self.partition,
            offset=self.offset,
            reason=reason[:1000],
            received_at=now,
            cluster_id=self.cluster_id,
            key=self.key,
            headers=self.headers,
            timestamp=self.timestamp,
        )


@dataclass
class Outcome:
    rows: list[tuple] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    # Second and later copies of an id within this batch: not bad input, just not new.
    duplicates: int = 0
    # Messages carrying fields their contract does not know, by field name, whatever became
    # of them (kept, ignored or rejected: GAPWATCH_UNKNOWN_FIELDS).
    unknown_messages: int = 0
    unknown_fields: Counter[str] = field(default_factory=Counter)
    # Accepted messages whose schema_version is newer than this worker knows, by version.
    newer_schema: Counter[int] = field(default_factory=Counter)

    def carried_unknown(self, names: Sequence[str]) -> None:
        if names:
            self.unknown_messages += 1
            self.unknown_fields.update(names)

    def merge(self, other: Outcome) -> None:
        """Add another outcome of the same batch step (a batch redone message by message)."""
        self.rows += other.rows
        self.dead_letters += other.dead_letters
        self.duplicates += other.duplicates
        self.unknown_messages += other.unknown_messages
        self.unknown_fields.update(other.unknown_fields)
        self.newer_schema.update(other.newer_schema)


def _accept(
    messages: Sequence[Message], contract: type[C], limits: Limits, now: datetime
) -> tuple[list[tuple[Message, C]], Outcome]:
    outcome = Outcome()
    accepted: list[tuple[Message, C]] = []
    seen: set[str] = set()
    for msg in messages:
        result = decode(msg.value, contract, limits, now)
        if isinstance(result, Rejection):
            outcome.carried_unknown(result.unknown_fields)
            outcome.dead_letters.append(msg.dead_letter(result.reason, now))
            continue
        outcome.carried_unknown(unknown_fields(result))
        version = newer_version(result)
        if version is not None:
            outcome.newer_schema[version] += 1
        if result.key in seen:
            outcome.duplicates += 1
        else:
            seen.add(result.key)
            accepted.append((msg, result))
    return accepted, outcome


def satisfaction_batch(messages: Sequence[Message], limits: Limits, now: datetime) -> Outcome:
    accepted, outcome = _accept(messages, SatisfactionEvent, limits, now)
    outcome.rows = [
        satisfaction_row(ev, m.partition, m.offset, limits.unknown_fields) for m, ev in accepted
    ]
    return outcome


def accept_complaints(
    messages: Sequence[Message], limits: Limits, now: datetime
) -> tuple[list[tuple[Message, Complaint]], Outcome]:
    """Valid complaints, first copy of each id, to classify; the outcome has the rest."""
    return _accept(messages, Complaint, limits, now)


def complaint_rows(
    accepted: Sequence[tuple[Message, Complaint]],
    predictions: Sequence[Prediction],
    limits: Limits,
) -> list[tuple]:
    return [
        complaint_row(c, p, m.partition, m.offset, limits.unknown_fields)
        for (m, c), p in zip(accepted, predictions, strict=True)
    ]


def complaint_update_batch(messages: Sequence[Message], limits: Limits, now: datetime) -> Outcome:
    """Updates are stored even when their complaint is unknown or their order odd: the
    complaint_lifecycle and orphan_complaint_updates views explain them."""
    accepted, outcome = _accept(messages, ComplaintUpdate, limits, now)
    outcome.rows = [
        complaint_update_row(u, m.partition, m.offset, limits.unknown_fields) for m, u in accepted
    ]
    return outcome


def dead_letter_batch(messages: Sequence[Message], now: datetime) -> Outcome:
    """Rows for the dead_letters table; a record that is not ours is kept with its own reason."""
    outcome = Outcome()
    for msg in messages:
        try:
            letter = DeadLetter.from_json(msg.value or b"")
        except ValidationError as exc:
            letter = msg.dead_letter(
                f"record on the dead-letters topic is not a dead letter "
                f"({exc.error_count()} problems)",
                now,
            )
        outcome.rows.append(dead_letter_row(letter))
    return outcome
