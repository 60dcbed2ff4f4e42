"""The embedded Kafka broker: librdkafka's mock cluster, real wire protocol on 127.0.0.1.

It keeps data in memory for as long as this process lives, auto-creates topics (4 partitions)
and cannot create them on request, so workers run with topic declaration off against it.
"""

from __future__ import annotations

import logging

from confluent_kafka import Producer

from pipeline.contracts import DEAD_LETTERS, INPUT_TOPICS
from pipeline.contracts.topics import ALERTS

log = logging.getLogger(__name__)

# The broker holds a fetch that finds an idle partition for the whole wait, so workers on it
# keep the wait short (the worker's default, GAPWATCH_KAFKA_FETCH_MAX_WAIT_MS, is 500).
FETCH_MAX_WAIT_MS = 50


class EmbeddedBroker:
    def __init__(self, brokers: int = 1) -> None:
        # The mock cluster replaces bootstrap.servers; "x:1" is only a placeholder.
        self._producer = Producer(
            {"test.mock.num.brokers": brokers, "bootstrap.servers": "x:1", "log_level": 3}
        )
        metadata = self._producer.list_topics(timeout=10)
        self.bootstrap = ",".join(f"{b.host}:{b.port}" for b in metadata.brokers.values())

    def create_topics(self, names: tuple[str, ...] = (*INPUT_TOPICS, DEAD_LETTERS, ALERTS)) -> None:
        """Asking for a topic's metadata makes the mock cluster create it."""
        for name in names:
            self._producer.list_topics(topic=name, timeout=10)

    def partitions(self, topic: str) -> int:
        return len(self._producer.list_topics(topic=topic, timeout=10).topics[topic].partitions)


def embedded_kafka(bootstrap: str) -> dict[str, object]:
    """Settings for workers on the embedded broker: it creates topics by itself, and a fetch
    waits FETCH_MAX_WAIT_MS at most."""
    return {
        "kafka_bootstrap": bootstrap,
        "kafka_declare_topics": False,
        "kafka_fetch_max_wait_ms": FETCH_MAX_WAIT_MS,
    }
