"""A worker restarted after retention deleted its committed offset says how much it lost:
the broker moves it to the oldest offset it still holds, and that jump is data nobody read."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.agents import prepare
from pipeline.contracts import SATISFACTION_EVENTS
from pipeline.processes import free_port

pytestmark = pytest.mark.integration


def _produce(bootstrap: str, first: int, n: int) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, batch_size=256 * 1024)
    ts = datetime.now(UTC).isoformat()
    for i in range(first, first + n):
        value = {"event_id": f"e{i}", "ts": ts, "store_id": "S01", "channel": "app", "score": 4}
        producer.send(SATISFACTION_EVENTS, value=orjson.dumps(value), partition=0)
    producer.flush()
    producer.close()


def _held(bootstrap: str, group: str) -> tuple[int, int, int | None]:
    """Oldest offset held, end offset, and the group's committed offset of partition 0."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    tp = TopicPartition(SATISFACTION_EVENTS, 0)
    try:
        start, end = consumer.beginning_offsets([tp])[tp], consumer.end_offsets([tp])[tp]
        return start, end, consumer.committed(tp)
    finally:
        consumer.close()


async def _worker_until_written(settings, n: int):
    worker, app = prepare(settings)
    counters = worker.stats.topic(SATISFACTION_EVENTS)
    await app.start()
    try:
        for _ in range(1200):
            if counters.written >= n:
                break
            await asyncio.sleep(0.05)
    finally:
        await app.stop()  # commits what was acknowledged
        worker.close()
    return counters


def test_a_restart_past_deleted_offsets_reports_them(broker, settings, caplog):
    settings = settings.with_(kafka_bootstrap=broker.bootstrap, web_port=free_port())
    _produce(broker.bootstrap, 0, 100)
    first = asyncio.run(_worker_until_written(settings, 100))
    assert first.written == 100 and first.skipped == 0

    # While no worker runs, 9 MB more: the embedded broker keeps 5 MiB a partition and
    # deletes the oldest, the committed offset 100 among them.
    _produce(broker.bootstrap, 100, 80_000)
    oldest, end, committed = _held(broker.bootstrap, settings.kafka.app_id)
    assert 100 == committed < oldest < end == 80_100

    caplog.set_level(logging.WARNING, logger="pipeline.agents.loop")
    second = asyncio.run(_worker_until_written(settings, end - oldest))
    assert second.written == end - oldest
    assert (
        _held(broker.bootstrap, settings.kafka.app_id)[2] == end
    )  # committing goes on past the gap
    assert second.skipped == oldest - 100
    assert (
        f"{SATISFACTION_EVENTS}[0]: offsets 100 to {oldest - 1} ({oldest - 100} messages) were "
        "never delivered to this worker"
    ) in caplog.text
