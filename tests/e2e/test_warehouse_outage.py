"""ClickHouse refuses writes for a while: the worker pauses, says so, resumes, loses nothing.

The worker runs in this process, so the test can open a second connection to the same chDB
path (chDB admits one process per path) and break ClickHouse from the side: with
`parts_to_throw_insert` at 1 every insert fails with TOO_MANY_PARTS, as a server whose merges
fall behind refuses writes. That is a transient error: retried, never set aside as bad data.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from pipeline.agents import prepare
from pipeline.warehouse import connect

pytestmark = pytest.mark.e2e
BREAK = "ALTER TABLE satisfaction_events MODIFY SETTING parts_to_throw_insert = 1"
HEAL = "ALTER TABLE satisfaction_events MODIFY SETTING parts_to_throw_insert = 3000"


def test_an_outage_pauses_consuming_and_loses_nothing(settings, broker, produce, caplog):
    caplog.set_level(logging.WARNING, logger="pipeline")
    worker, app = prepare(settings.with_(kafka_bootstrap=broker.bootstrap))
    admin = connect(settings.warehouse.dsn)
    counters = worker.stats.topic("satisfaction-events")

    def ratings(start: int, stop: int) -> None:
        for i in range(start, stop):
            produce(
                "satisfaction-events",
                {
                    "event_id": f"o-{i}",
                    "ts": datetime.now(UTC).isoformat(),
                    "store_id": "S1",
                    "channel": "app",
                    "score": 1 + i % 5,
                },
            )
        produce.flush()

    async def until(predicate, timeout: float = 60.0) -> None:
        for _ in range(int(timeout / 0.2)):
            if predicate():
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"timed out; counters: {counters}")

    async def scenario() -> None:
        await app.start()
        try:
            ratings(0, 300)
            await until(lambda: counters.written == 300)
            admin.command(BREAK)
            ratings(300, 800)
            await asyncio.sleep(4)
            # Nothing acknowledged, nothing written, and it says why.
            assert counters.written == 300 and counters.received == 300
            assert "consuming is paused" in caplog.text and "TOO_MANY_PARTS" in caplog.text
            assert counters.warehouse_errors["transient"] > 0
            assert counters.warehouse_errors["data"] == 0 and counters.refused == 0
            # Heal from the side, while the agent's own insert keeps retrying.
            admin.command(HEAL)
            await until(lambda: counters.written == 800)
            assert "consuming resumes" in caplog.text
        finally:
            await app.stop()

    try:
        asyncio.run(scenario())
        q = lambda sql: admin.query(sql).result_rows  # noqa: E731
        assert q("SELECT count(), uniqExact(event_id), sum(score) FROM satisfaction_events") == [
            (800, 800, sum(1 + i % 5 for i in range(800)))
        ]
        assert q("SELECT sum(ratings), sum(score_sum) FROM satisfaction_minute") == [
            (800, sum(1 + i % 5 for i in range(800)))
        ]
    finally:
        admin.close()
        worker.close()
