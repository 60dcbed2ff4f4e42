"""Two workers in one consumer group share the partitions; totals stay exact.

A chDB path belongs to one process, so each worker writes its own and the test adds them up;
on a ClickHouse server they would share one database.
"""

from __future__ import annotations

import random
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.warehouse import connect
from tests.e2e.conftest import worker_process

pytestmark = pytest.mark.e2e
STORES = [f"S{n:02d}" for n in range(16)]


def assignment(worker) -> set[str]:
    stats = worker.stats()
    return set(stats["worker"]["assignment"]) if stats else set()


def settled(workers) -> bool:
    parts = [assignment(w) for w in workers]
    return (
        all(parts)
        and not set.intersection(*parts)
        and {f"satisfaction-events:{p}" for p in range(4)} <= set.union(*parts)
    )


def test_two_workers_share_the_load_and_keep_each_store_on_one(settings, broker, produce, tmp_path):
    assert broker.partitions("satisfaction-events") >= 4
    config = settings.with_(
        kafka_bootstrap=broker.bootstrap, app_id="gapwatch-scale-test", kafka_rejoin_seconds=10.0
    )
    # One update on every partition of complaint-updates: if the embedded broker strands a
    # worker without partitions in a racing rebalance (its SyncGroup answered with an error
    # a real broker does not send), the partitions it should hold have a backlog that does
    # not move, and its watchdog rejoins the group. No restart by hand.
    for partition in range(broker.partitions("complaint-updates")):
        produce(
            "complaint-updates",
            {
                "complaint_id": f"warm-{partition}",
                "ts": datetime.now(UTC).isoformat(),
                "status": "acknowledged",
            },
            key=f"warm-{partition}",
            partition=partition,
        )
    produce.flush()
    dsns = [f"chdb://{tmp_path / f'chdb-{i}'}" for i in range(2)]
    with ExitStack() as stack:
        workers = [
            stack.enter_context(
                worker_process(config.with_(clickhouse_dsn=dsn), tmp_path / f"w{i}")
            )
            for i, dsn in enumerate(dsns)
        ]
        # Produce only once the group has settled, so no store's events straddle a rebalance.
        workers[0].wait_until(lambda _t: settled(workers), timeout=180)
        rng = random.Random(9)
        ts = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        expected = {s: [0, 0] for s in STORES}
        for i in range(3_000):
            store = rng.choice(STORES)
            score = rng.randint(1, 5)
            expected[store][0] += 1
            expected[store][1] += score
            produce(
                "satisfaction-events",
                {
                    "event_id": f"so-{i}",
                    "ts": ts,
                    "store_id": store,
                    "channel": "app",
                    "score": score,
                },
                key=store,
            )
        produce.flush()
        workers[0].wait_until(
            lambda _t: (
                sum(
                    w.stats()["worker"]["topics"]["satisfaction-events"]["written"] for w in workers
                )
                == 3_000
            )
        )
        shares = [w.stats()["worker"]["topics"]["satisfaction-events"]["written"] for w in workers]
        for worker in workers:
            assert worker.stop() == 0

    per_worker = []
    for dsn in dsns:
        client = connect(dsn)  # one chDB path at a time in this process
        try:
            per_worker.append(
                {
                    row[0]: (row[1], row[2])
                    for row in client.query(
                        "SELECT store_id, sum(ratings), sum(score_sum) FROM satisfaction_hour "
                        "GROUP BY store_id"
                    ).result_rows
                }
            )
        finally:
            client.close()
    assert all(n > 0 for n in shares), shares  # both took part
    assert not set(per_worker[0]) & set(per_worker[1])  # each store lives on one worker
    merged = {**per_worker[0], **per_worker[1]}
    assert merged == {s: tuple(v) for s, v in expected.items() if v[0]}
