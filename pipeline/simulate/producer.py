"""Produce a scenario to Kafka with kafka-python at a steady rate."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from kafka import KafkaProducer

from pipeline.simulate.scenario import Record, Scenario


@dataclass
class Produced:
    counts: Counter = field(default_factory=Counter)  # per topic, malformed included
    malformed: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def produce(
    bootstrap: str,
    scenario: Scenario,
    rate: float,
    seconds: float,
    security: dict[str, object] | None = None,
    stop: threading.Event | None = None,
) -> Produced:
    """Send about ``rate`` ratings a second for ``seconds``, or until ``stop`` is set;
    complaints follow some of them. Everything sent is flushed before it returns."""
    stop = stop or threading.Event()
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        linger_ms=20,
        acks="all",
        key_serializer=str.encode,
        **(security or {}),
    )
    produced, started = Produced(), time.monotonic()
    sent = 0

    def send(record: Record) -> None:
        malformed = isinstance(record.value, bytes)
        value = record.value if malformed else orjson.dumps(record.value)
        producer.send(record.topic, key=record.key, value=value)
        produced.counts[record.topic] += 1
        if malformed:
            produced.malformed[record.topic] += 1

    try:
        while (elapsed := time.monotonic() - started) < seconds and not stop.is_set():
            due = int(elapsed * rate) + 1
            while sent < due:
                for record in scenario.records():
                    send(record)
                sent += 1
            for record in scenario.due(datetime.now(UTC)):  # recovery steps whose time came
                send(record)
            time.sleep(min(0.05, max(0.0, (sent / rate) - (time.monotonic() - started))))
        producer.flush(timeout=60)
    finally:
        producer.close(timeout=10)
    produced.seconds = time.monotonic() - started
    return produced
