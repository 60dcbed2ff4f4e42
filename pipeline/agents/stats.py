"""Running counters a worker keeps per input topic, served at /stats/ for live views and tests."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

# Unknown field names come from producers: at most this many are told apart, the rest are
# counted together, so a producer sending a new name in every message cannot grow a worker.
_NAMES_KEPT = 50
OTHER_NAMES = "(other names)"


class _Located(Protocol):
    @property
    def partition(self) -> int: ...


@dataclass
class TopicStats:
    received: int = 0
    written: int = 0
    dead_lettered: int = 0
    duplicates: int = 0
    batches: int = 0
    # Offsets the broker never delivered (gone by retention while the worker lagged).
    skipped: int = 0
    # Rows the warehouse refused for their data (dead-lettered with its error).
    refused: int = 0
    # Failed attempts to write, by kind: "transient" (retried) or "data" (split and refused).
    warehouse_errors: Counter[str] = field(default_factory=Counter)
    last_warehouse_error: str | None = None
    first_batch_at: float | None = None  # wall clock when the first batch arrived
    # Messages taken from Kafka and not yet written, per partition: behind, not lost.
    in_flight_by_partition: Counter[int] = field(default_factory=Counter)
    # Messages carrying fields their contract does not know (kept, ignored or rejected as
    # GAPWATCH_UNKNOWN_FIELDS says) and how often each name came; accepted messages of a
    # schema_version newer than this worker knows, by version: time to upgrade it.
    unknown_fields: int = 0
    unknown_field_names: Counter[str] = field(default_factory=Counter)
    newer_schema: Counter[int] = field(default_factory=Counter)

    @property
    def in_flight(self) -> int:
        return sum(self.in_flight_by_partition.values())

    def taken(self, events: Iterable[Any]) -> None:
        self.in_flight_by_partition.update(e.message.partition for e in events)

    def written_out(self, messages: Iterable[_Located]) -> None:
        self.in_flight_by_partition.subtract(m.partition for m in messages)
        self.in_flight_by_partition += Counter()  # drop partitions back at zero

    def count_evolution(
        self, unknown_messages: int, names: Counter[str], newer_schema: Counter[int]
    ) -> None:
        self.unknown_fields += unknown_messages
        kept = self.unknown_field_names
        for name, count in names.items():
            if name in kept or len(kept) < _NAMES_KEPT:
                kept[name] += count
            else:
                kept[OTHER_NAMES] += count
        self.newer_schema.update(newer_schema)

    def warehouse_error(self, kind: str, message: str) -> None:
        self.warehouse_errors[kind] += 1
        self.last_warehouse_error = f"{kind}: {message}"

    def snapshot(self) -> dict:
        return {
            "received": self.received,
            "written": self.written,
            "dead_lettered": self.dead_lettered,
            "duplicates": self.duplicates,
            "batches": self.batches,
            "skipped": self.skipped,
            "refused": self.refused,
            "in_flight": self.in_flight,
            "unknown_fields": self.unknown_fields,
            "unknown_field_names": dict(self.unknown_field_names.most_common()),
            "newer_schema": {str(v): n for v, n in sorted(self.newer_schema.items())},
            "warehouse_errors": {
                "transient": self.warehouse_errors["transient"],
                "data": self.warehouse_errors["data"],
            },
            "last_warehouse_error": self.last_warehouse_error,
            "first_batch_at": self.first_batch_at,
        }


@dataclass
class WorkerStats:
    started_at: float = field(default_factory=time.time)
    topics: dict[str, TopicStats] = field(default_factory=dict)
    alerts: int = 0
    # Messages not yet written, per topic, as last recorded in pipeline_health, and when.
    lag: dict[str, int] = field(default_factory=dict)
    lag_at: float | None = None
    repaired_blocks: int = 0  # interrupted writes completed from the write ledger
    rejoins: int = 0  # times the group watchdog asked to rejoin a stalled group
    alerts_undelivered: int | None = None  # outbox rows a target has not acknowledged

    def topic(self, name: str) -> TopicStats:
        return self.topics.setdefault(name, TopicStats())

    def snapshot(self) -> dict:
        return {
            "alerts": self.alerts,
            "lag": dict(self.lag),
            "lag_at": self.lag_at,
            "in_flight": {name: s.in_flight for name, s in self.topics.items()},
            "repaired_blocks": self.repaired_blocks,
            "rejoins": self.rejoins,
            "alerts_undelivered": self.alerts_undelivered,
            "started_at": self.started_at,
            "uptime_s": time.time() - self.started_at,
            "topics": {name: s.snapshot() for name, s in self.topics.items()},
        }
