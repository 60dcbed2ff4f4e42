"""SIGKILL the worker twice and SIGTERM it once mid-stream: nothing lost, nothing doubled."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from kafka import KafkaProducer

from pipeline.demo.processes import Children, wait_for_file
from pipeline.warehouse import connect
from tests.e2e.conftest import worker_process

pytestmark = pytest.mark.e2e
EVENTS, COMPLAINTS, REPUBLISHED = 20_000, 2_000, 1_000


class Traffic(threading.Thread):
    """Produces a known stream at a steady pace and remembers what the warehouse must hold."""

    def __init__(self, bootstrap: str, seconds: float) -> None:
        super().__init__(daemon=True)
        self.bootstrap, self.seconds = bootstrap, seconds
        self.expected: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # n, sum, top2
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # surfaced by the test, not lost in a thread
            self.error = exc

    def _run(self) -> None:
        rng = random.Random(4)
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=10)
        base = datetime.now(UTC) - timedelta(hours=2)
        sent_events: list[tuple[str, bytes]] = []
        started = time.monotonic()
        for i in range(EVENTS):
            store = f"S{rng.randrange(20):02d}"
            score = rng.randint(1, 5)
            event = {
                "event_id": f"crash-{i}",
                "ts": (base + timedelta(seconds=i // 10)).isoformat(),
                "store_id": store,
                "channel": rng.choice(["app", "store"]),
                "score": score,
            }
            raw = orjson.dumps(event)
            producer.send("satisfaction-events", key=store.encode(), value=raw)
            sent_events.append((store, raw))
            self.expected[store][0] += 1
            self.expected[store][1] += score
            self.expected[store][2] += score >= 4
            if i % 10 == 0:
                complaint = {
                    "complaint_id": f"crash-c{i // 10}",
                    "ts": event["ts"],
                    "store_id": store,
                    "channel": "hotline",
                    "text": rng.choice(["师傅迟到还态度差", "退款太慢了", "广告说包邮结果收运费"]),
                }
                producer.send("complaints", key=store.encode(), value=orjson.dumps(complaint))
            # Pace the stream so the kills land mid-stream.
            time.sleep(max(0.0, started + self.seconds * i / EVENTS - time.monotonic()))
        # A producer retrying after a timeout publishes the same events again.
        for store, raw in rng.sample(sent_events, REPUBLISHED):
            producer.send("satisfaction-events", key=store.encode(), value=raw)
        producer.flush()
        producer.close()


def events_in_warehouse(stats: dict | None) -> int:
    return stats["warehouse"]["counts"]["satisfaction_events"] if stats else 0


def test_crashes_and_restarts_lose_and_double_nothing(settings, tmp_path):
    with Children(tmp_path / "broker") as broker:
        broker.start("broker", ["broker", "--bootstrap-file", str(tmp_path / "bootstrap")], {})
        bootstrap = wait_for_file(tmp_path / "bootstrap", broker, "broker")
        config = settings.with_(kafka_bootstrap=bootstrap, app_id="gapwatch-crash-test")
        traffic = Traffic(bootstrap, seconds=40)
        traffic.start()
        landed = 0
        for ending in ("kill", "kill", "term"):
            with worker_process(config, tmp_path) as worker:
                target = landed + 2_000
                worker.wait_until(
                    lambda _t, w=worker, n=target: events_in_warehouse(w.stats()) >= n
                )
                landed = events_in_warehouse(worker.stats())
                assert landed < EVENTS, "the stream ended before the crash: not mid-stream"
                if ending == "kill":
                    assert worker.kill() == -9
                else:
                    assert worker.stop() == 0
        traffic.join(timeout=120)
        assert traffic.error is None and not traffic.is_alive()
        with worker_process(config, tmp_path) as worker:
            worker.wait_until(
                lambda _t, w=worker: (
                    events_in_warehouse(w.stats()) == EVENTS
                    and w.stats()["warehouse"]["counts"]["complaints"] == COMPLAINTS
                ),
                timeout=180,
            )
            time.sleep(3)  # give any straggling duplicate a chance to show up
            assert worker.stop() == 0

    client = connect(settings.clickhouse_dsn)
    try:
        q = lambda sql: client.query(sql).result_rows  # noqa: E731
        assert q("SELECT count(), uniqExact(event_id) FROM satisfaction_events") == [
            (EVENTS, EVENTS)
        ]
        assert q("SELECT count(), uniqExact(complaint_id) FROM complaints") == [
            (COMPLAINTS, COMPLAINTS)
        ]
        rollup = q(
            "SELECT store_id, sum(ratings), sum(score_sum), sum(top2_ratings) "
            "FROM satisfaction_minute GROUP BY store_id ORDER BY store_id"
        )
        assert rollup == [(s, *v) for s, v in sorted(traffic.expected.items())]
        assert q("SELECT sum(complaints) FROM complaints_minute") == [(COMPLAINTS,)]
        assert q("SELECT count() FROM dead_letters") == [(0,)]
    finally:
        client.close()
