"""The watchdog's two reaches into the consumer: reading the group's committed offsets of
any partition, and asking to rejoin, which makes the broker rebalance the group for real."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import orjson
import pytest
from faust.types import TP
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.agents import prepare
from pipeline.contracts import SATISFACTION_EVENTS
from pipeline.kafka.faust_internals import group_offsets, request_rejoin
from pipeline.processes import free_port

pytestmark = pytest.mark.integration


def _produce(bootstrap: str, first: int, n: int) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
    ts = datetime.now(UTC).isoformat()
    for i in range(first, first + n):
        value = {"event_id": f"w{i}", "ts": ts, "store_id": "S01", "channel": "app", "score": 4}
        producer.send(SATISFACTION_EVENTS, value=orjson.dumps(value), partition=i % 2)
    producer.flush()
    producer.close()


async def _until(predicate, seconds: float = 90.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


async def _run(settings, bootstrap: str) -> tuple[dict, int, int, int]:
    worker, app = prepare(settings)
    counters = worker.stats.topic(SATISFACTION_EVENTS)
    assignments: list[int] = []

    @app.on_partitions_assigned.connect
    async def count(app, assigned, **kwargs) -> None:
        assignments.append(len(assigned))

    await app.start()
    try:
        await _until(lambda: counters.written >= 200)
        await app.consumer.commit()
        tps = [TP(SATISFACTION_EVENTS, p) for p in range(4)]
        offsets = await group_offsets(app, tps)
        before = len(assignments)
        assert await request_rejoin(app)
        await _until(lambda: len(assignments) > before)
        _produce(bootstrap, 200, 100)
        await _until(lambda: counters.written >= 300)
        return offsets, before, len(assignments), counters.written
    finally:
        await app.stop()
        worker.close()


def test_group_offsets_and_a_requested_rejoin(broker, settings):
    settings = settings.with_(kafka_bootstrap=broker.bootstrap, web_port=free_port())
    _produce(broker.bootstrap, 0, 200)
    offsets, before, after, written = asyncio.run(_run(settings, broker.bootstrap))
    # What the group committed, as another client of the broker reads it.
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=settings.kafka.app_id)
    try:
        for p in (0, 1):
            assert offsets[TP(SATISFACTION_EVENTS, p)] == 100
            assert consumer.committed(TopicPartition(SATISFACTION_EVENTS, p)) >= 100
    finally:
        consumer.close()
    assert after == before + 1  # the broker rebalanced the group once more
    assert written == 300  # and the worker went on, nothing written twice
