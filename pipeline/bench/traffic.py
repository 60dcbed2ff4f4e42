"""Benchmark traffic: pre-filled topics of events and complaints in our contracts."""

from __future__ import annotations

import logging
from collections.abc import Callable

import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

log = logging.getLogger(__name__)


def event_message(i: int, ts: str) -> bytes:
    return orjson.dumps(
        {
            "event_id": f"b{i}",
            "ts": ts,
            "store_id": f"S{i % 50:02d}",
            "channel": "app",
            "agent_id": f"A{i % 7}",
            "score": 1 + i % 5,
        }
    )


def complaint_message(i: int, ts: str, texts: list[str]) -> bytes:
    return orjson.dumps(
        {
            "complaint_id": f"bc{i}",
            "ts": ts,
            "store_id": f"S{i % 50:02d}",
            "channel": "hotline",
            "text": texts[i % len(texts)],
        }
    )


def fill(bootstrap: str, topic: str, n: int, make: Callable[[int], bytes]) -> int:
    """Produce n messages and check the broker still holds them all (returns how many it
    holds): the embedded broker keeps 5 MiB per partition and silently drops older data, and
    a worker waiting for messages that are gone would wait for ever."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, batch_size=512 * 1024)
    sent = [producer.send(topic, key=f"S{i % 50:02d}".encode(), value=make(i)) for i in range(n)]
    producer.flush()
    producer.close()
    failed = [f.exception for f in sent if f.exception is not None]
    if failed:
        raise RuntimeError(f"{len(failed):,} of {n:,} messages to {topic} failed: {failed[0]!r}")
    kept = held(bootstrap, topic)
    if kept < n:
        raise RuntimeError(
            f"the embedded broker holds {kept:,} of the {n:,} messages produced to {topic}: "
            "it keeps at most 5 MiB per partition and drops older data; benchmark fewer "
            "messages (--events, --complaints)"
        )
    return kept


def held(bootstrap: str, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        start = consumer.beginning_offsets(partitions)
        end = consumer.end_offsets(partitions)
        return sum(end[tp] - start[tp] for tp in partitions)
    finally:
        consumer.close()
