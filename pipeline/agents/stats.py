"""Running counters a worker keeps per input topic, served at /stats/ for live views and tests."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field


@dataclass
class TopicStats:
    received: int = 0
    written: int = 0
    dead_lettered: int = 0
    duplicates: int = 0
    batches: int = 0
    # Offsets the broker never delivered (gone by retention while the worker lagged).
    skipped: int = 0
    first_batch_at: float | None = None  # wall clock when the first batch arrived


@dataclass
class WorkerStats:
    started_at: float = field(default_factory=time.time)
    topics: dict[str, TopicStats] = field(default_factory=dict)
    alerts: int = 0
    # Messages not yet written, per topic, as last recorded in pipeline_health, and when.
    lag: dict[str, int] = field(default_factory=dict)
    lag_at: float | None = None

    def topic(self, name: str) -> TopicStats:
        return self.topics.setdefault(name, TopicStats())

    def snapshot(self) -> dict:
        return {
            "alerts": self.alerts,
            "lag": dict(self.lag),
            "lag_at": self.lag_at,
            "started_at": self.started_at,
            "uptime_s": time.time() - self.started_at,
            "topics": {name: asdict(s) for name, s in self.topics.items()},
        }
