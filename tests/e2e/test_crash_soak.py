"""The crash soak of issue 18: twenty `kill -9` of real worker processes at random moments,
a broker replaced mid-run (offsets start again at 0), republished ids, malformed messages,
SLA alerts raised while the webhook is down, and afterwards an exact warehouse.

Exact means: every raw table holds each distinct id once; every rollup sums to the raw
rows; the dead letters are exactly the malformed messages (the same bytes at the same
offsets on the new broker too); every alert the outbox holds reached the topic and the
webhook. It prints how long the warehouse took to catch up after the last restart.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.config import PROJECT_ROOT
from pipeline.processes import Children, free_port, wait_for_file
from pipeline.warehouse import connect, migrate
from tests.e2e.conftest import worker_process

pytestmark = pytest.mark.e2e
KILLS_BEFORE, KILLS_AFTER = 12, 8  # kill -9 on the first broker, then on its replacement
STORES = [f"S{i:02d}" for i in range(12)]
# Invalid on purpose; each phase sends the same bytes, at the same offsets of partition 0.
MALFORMED = [b"not json", b'{"event_id": "x"}', b"\xff\xfe", b'{"score": 9}', b"[]"]


class Traffic(threading.Thread):
    """One broker's share of the stream: ratings (some with SERVQUAL scores), complaints
    (some old enough to breach the first-response target), updates, republished ids and
    malformed messages, paced over ``seconds`` so the kills land mid-stream."""

    def __init__(self, bootstrap: str, phase: int, seconds: float, events: int) -> None:
        super().__init__(daemon=True)
        self.bootstrap, self.phase, self.seconds, self.events = bootstrap, phase, seconds, events
        self.event_ids: set[str] = set()
        self.complaint_ids: set[str] = set()
        self.update_keys: set[tuple[str, str]] = set()
        self.malformed: list[bytes] = []
        # Where the broker put each event (partition, offset), from its acknowledgements:
        # a shortfall in the warehouse then names the offsets that went missing.
        self.placed: dict[str, tuple[int, int]] = {}
        self.send_errors: list[BaseException] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # surfaced by the test
            self.error = exc

    def _run(self) -> None:
        rng = random.Random(self.phase)
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=10)
        # The same malformed bytes first, at offsets 0.. of partition 0 on either broker.
        for raw in MALFORMED:
            producer.send("satisfaction-events", value=raw, key=b"S00", partition=0)
            self.malformed.append(raw)
        producer.flush()
        now = datetime.now(UTC)
        sent: list[tuple[str, bytes]] = []
        started = time.monotonic()
        for i in range(self.events):
            store = rng.choice(STORES)
            event = {
                "event_id": f"p{self.phase}-e{i}",
                "ts": (now - timedelta(minutes=40) + timedelta(seconds=i * 0.2)).isoformat(),
                "store_id": store,
                "channel": rng.choice(["app", "desk", "hotline"]),
                "score": rng.randint(1, 5),
            }
            if i % 7 == 0:
                event["expectation"] = {"reliability": rng.randint(3, 5)}
                event["perception"] = {"reliability": rng.randint(1, 5)}
            raw = orjson.dumps(event)
            sent_at = producer.send("satisfaction-events", key=store.encode(), value=raw)
            sent_at.add_callback(self._placed, event["event_id"])
            sent_at.add_errback(self.send_errors.append)
            self.event_ids.add(event["event_id"])
            sent.append((store, raw))
            if i % 10 == 0:
                self._complaint(producer, rng, i // 10, store, now)
            if i % 997 == 0:
                bad = f'{{"event_id": "bad-{self.phase}-{i}", "score": "five"}}'.encode()
                producer.send("satisfaction-events", key=store.encode(), value=bad)
                self.malformed.append(bad)
            time.sleep(max(0.0, started + self.seconds * i / self.events - time.monotonic()))
        for store, raw in rng.sample(sent, len(sent) // 10):  # a retrying producer
            producer.send("satisfaction-events", key=store.encode(), value=raw)
        producer.flush()
        producer.close()
        if self.send_errors:
            raise AssertionError(f"the broker refused sends: {self.send_errors[:3]}")

    def _placed(self, event_id: str, metadata) -> None:
        self.placed.setdefault(event_id, (metadata.partition, metadata.offset))

    def _complaint(self, producer, rng, n: int, store: str, now: datetime) -> None:
        complaint_id = f"p{self.phase}-c{n}"
        old = n % 40 == 0  # received three hours ago, never answered: an SLA breach
        complaint = {
            "complaint_id": complaint_id,
            "ts": (now - timedelta(hours=3 if old else 0, minutes=30)).isoformat(),
            "store_id": store,
            "channel": "hotline",
            "text": rng.choice(
                ["师傅迟到两个小时还态度差", "退款一个月了还没到账", "广告说包邮结果收运费"]
            ),
        }
        producer.send("complaints", key=store.encode(), value=orjson.dumps(complaint))
        self.complaint_ids.add(complaint_id)
        if not old and n % 3 == 0:
            update = {
                "complaint_id": complaint_id,
                "ts": (now - timedelta(minutes=20)).isoformat(),
                "status": "acknowledged",
            }
            producer.send("complaint-updates", key=store.encode(), value=orjson.dumps(update))
            self.update_keys.add((complaint_id, "acknowledged"))


class Webhook:
    """The alert receiver: down until ``start``, then records every alert it is sent."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/alerts"
        self.received: list[dict] = []
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(orjson.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


class TopicWatch(threading.Thread):
    """Everything that reaches the alerts topic of one broker."""

    def __init__(self, bootstrap: str) -> None:
        super().__init__(daemon=True)
        self.consumer = KafkaConsumer(
            "alerts", bootstrap_servers=bootstrap, auto_offset_reset="earliest"
        )
        self.seen: list[dict] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            for records in self.consumer.poll(timeout_ms=500).values():
                self.seen.extend(orjson.loads(r.value) for r in records)
        self.consumer.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(30)


def start_broker(children: Children, tmp_path, name: str) -> str:
    path = tmp_path / f"bootstrap-{name}"
    children.start(name, ["broker", "--bootstrap-file", str(path)], {})
    return wait_for_file(path, children, name)


def written(worker) -> dict[str, int]:
    stats = worker.stats()
    return stats["warehouse"]["counts"] if stats else {}


def kill_at_random_moments(config, tmp_path, rng: random.Random, kills: int, log: list) -> None:
    for _ in range(kills):
        with worker_process(config, tmp_path) as worker:
            # Once it writes (a restart first waits out the killed member's session), at a
            # random moment: the warehouse is written every batch, each insert slowed. The
            # stats are read before the pause, never just before the kill: /stats/ waits for
            # the warehouse thread, so reading it would time the kill after an insert.
            writing_by = time.monotonic() + 30
            stats = worker.stats()
            while time.monotonic() < writing_by and not _writing(stats):
                time.sleep(0.2)
                stats = worker.stats()
            log.append(stats["worker"]["repaired_blocks"] if stats else None)
            time.sleep(rng.uniform(0.0, 4.0))
            assert worker.kill() == -9


def _writing(stats: dict | None) -> bool:
    return bool(stats) and any(t["batches"] for t in stats["worker"]["topics"].values())


def missing_events(client, traffic: list[Traffic]) -> str:
    """The events the warehouse lacks, by phase and partition, with their offset ranges."""
    have = {r[0] for r in client.query("SELECT event_id FROM satisfaction_events").result_rows}
    lines = []
    for t in traffic:
        gone = sorted(t.placed.get(e, (-1, -1)) for e in t.event_ids - have)
        by_partition: dict[int, list[int]] = {}
        for partition, offset in gone:
            by_partition.setdefault(partition, []).append(offset)
        for partition, offsets in sorted(by_partition.items()):
            lines.append(
                f"phase {t.phase} partition {partition}: {len(offsets)} missing, "
                f"offsets {offsets[0]}..{offsets[-1]}"
            )
    return "; ".join(lines) or "none missing"


def committed_lag(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    """Partitions of the input topics whose committed offset is short of their end."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        short = {}
        for topic in ("satisfaction-events", "complaints", "complaint-updates"):
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            for tp, end in consumer.end_offsets(parts).items():
                behind = end - (consumer.committed(tp) or 0)
                if behind:
                    short[(tp.topic, tp.partition)] = behind
        return short
    finally:
        consumer.close()


def log_evidence(tmp_path) -> str:
    """What the workers' logs say about delivery: holes they saw, assignments per start."""
    lines = []
    for log in sorted(tmp_path.glob("logs*/worker.log")):
        text = log.read_text(encoding="utf-8", errors="replace")
        assigned = text.count("Setting newly assigned partitions")
        notable = [
            ln[-200:]
            for ln in text.splitlines()
            if "never delivered" in ln or "beginning offsets" in ln or "repaired an" in ln
        ]
        lines.append(f"{log.parent.name}: {assigned} assignments; " + " | ".join(notable))
    return "\n".join(lines)


def caught_up(worker, events: int, complaints: int, updates: int, dead: int) -> bool:
    counts = written(worker)
    return (
        counts.get("satisfaction_events") == events
        and counts.get("complaints") == complaints
        and counts.get("complaint_updates") == updates
        and counts.get("dead_letters") == dead
    )


def slow_down_inserts(dsn: str) -> None:
    """A view that takes a quarter of a second per insert, beside the rollups: each insert
    then spends a good share of the run between its raw part and its last view, where a
    kill is worst."""
    client = connect(dsn)
    try:
        migrate(client, PROJECT_ROOT / "infra" / "clickhouse" / "migrations")
        client.command("CREATE TABLE soak_slow (n UInt64) ENGINE = MergeTree ORDER BY n")
        client.command(
            "CREATE MATERIALIZED VIEW soak_slow_mv TO soak_slow AS SELECT n FROM "
            "(SELECT count() AS n FROM satisfaction_events) WHERE sleepEachRow(0.25) = 0"
        )
    finally:
        client.close()


def test_twenty_kills_and_a_new_broker_lose_and_double_nothing(settings, tmp_path, capsys):
    rng = random.Random(18)
    slow_down_inserts(settings.warehouse.dsn)
    hook = Webhook()
    repaired: list = []
    watches: list[TopicWatch] = []
    with Children(tmp_path / "brokers") as brokers:
        base = settings.with_(
            app_id="gapwatch-soak",
            kafka_session_timeout=3.0,  # a killed member leaves the group sooner
            alert_webhook_url=hook.url,
            alert_interval_seconds=2.0,
            health_interval_seconds=2.0,
        )
        # Phase 1: the first broker, twelve kills while the stream flows.
        first = start_broker(brokers, tmp_path, "broker-1")
        watches.append(TopicWatch(first))
        watches[-1].start()
        config = base.with_(kafka_bootstrap=first)
        phase1 = Traffic(first, 1, seconds=70, events=9_000)
        phase1.start()
        kill_at_random_moments(config, tmp_path, rng, KILLS_BEFORE, repaired)
        phase1.join(180)
        assert phase1.error is None and not phase1.is_alive()
        # Everything from the first broker is written before it goes away for good.
        with worker_process(config, tmp_path) as worker:
            worker.wait_until(
                lambda _t, w=worker: caught_up(
                    w,
                    len(phase1.event_ids),
                    len(phase1.complaint_ids),
                    len(phase1.update_keys),
                    len(phase1.malformed),
                ),
                timeout=240,
            )
            assert worker.kill() == -9
        watches[-1].stop()
        brokers.kill("broker-1")

        # Phase 2: a new broker (new cluster id, offsets from 0 again), eight more kills;
        # the webhook comes back half way.
        second = start_broker(brokers, tmp_path, "broker-2")
        watches.append(TopicWatch(second))
        watches[-1].start()
        config = base.with_(kafka_bootstrap=second)
        phase2 = Traffic(second, 2, seconds=45, events=6_000)
        phase2.start()
        kill_at_random_moments(config, tmp_path, rng, KILLS_AFTER // 2, repaired)
        hook.start()
        kill_at_random_moments(config, tmp_path, rng, KILLS_AFTER - KILLS_AFTER // 2, repaired)
        phase2.join(180)
        assert phase2.error is None and not phase2.is_alive()

        events = phase1.event_ids | phase2.event_ids
        complaints = phase1.complaint_ids | phase2.complaint_ids
        updates = phase1.update_keys | phase2.update_keys
        malformed = phase1.malformed + phase2.malformed
        restarted = time.monotonic()
        with worker_process(config, tmp_path) as worker:
            try:
                worker.wait_until(
                    lambda _t, w=worker: caught_up(
                        w, len(events), len(complaints), len(updates), len(malformed)
                    ),
                    timeout=300,
                )
            except AssertionError as short:
                worker.kill()  # the warehouse opens in one process at a time
                client = connect(settings.warehouse.dsn)
                try:
                    where = missing_events(client, [phase1, phase2])
                finally:
                    client.close()
                raise AssertionError(f"{where}\n{log_evidence(tmp_path)}") from short
            caught = time.monotonic() - restarted
            final = worker.stats()["worker"]
            repaired.append(final["repaired_blocks"])
            # Caught up reads as such: nothing taken and left unwritten, nothing skipped.
            assert set(final["in_flight"].values()) == {0}
            assert {t["skipped"] for t in final["topics"].values()} == {0}
            with capsys.disabled():
                print(f"\ncrash soak: warehouse caught up {caught:.1f}s after the last restart")
            # Every alert in the outbox delivered to both targets before the worker stops.
            worker.wait_until(
                lambda _t, w=worker: (
                    (w.stats() or {}).get("worker", {}).get("alerts_undelivered") == 0
                ),
                timeout=120,
            )
            assert worker.stop() == 0
        # The group committed everything it wrote: no commit stalled behind a hole.
        assert committed_lag(second, "gapwatch-soak") == {}
    watches[-1].stop()
    hook.stop()

    client = connect(settings.warehouse.dsn)
    try:
        q = lambda sql: client.query(sql).result_rows  # noqa: E731
        assert q("SELECT count(), uniqExact(event_id) FROM satisfaction_events") == [
            (len(events), len(events))
        ]
        assert {r[0] for r in q("SELECT event_id FROM satisfaction_events")} == events
        assert q("SELECT count(), uniqExact(complaint_id) FROM complaints") == [
            (len(complaints), len(complaints))
        ]
        assert q("SELECT count() FROM complaint_updates") == [(len(updates),)]
        for grain in ("minute", "hour"):
            assert q(
                f"SELECT store_id, sum(ratings), sum(score_sum), sum(top2_ratings), "
                f"sum(score_1) + sum(score_5) FROM satisfaction_{grain} "
                "GROUP BY store_id ORDER BY store_id"
            ) == q(
                "SELECT store_id, count(), sum(score), countIf(score >= 4), "
                "countIf(score IN (1, 5)) FROM satisfaction_events "
                "GROUP BY store_id ORDER BY store_id"
            )
            assert q(
                f"SELECT store_id, gap, sum(complaints) FROM complaints_{grain} "
                "GROUP BY store_id, gap ORDER BY store_id, gap"
            ) == q(
                "SELECT store_id, gap, count() FROM complaints GROUP BY store_id, gap "
                "ORDER BY store_id, gap"
            )
            assert q(f"SELECT sum(responses), sum(perception_sum) FROM servqual_{grain}") == q(
                "SELECT count(), sum(perception['reliability']) FROM satisfaction_events "
                "WHERE mapContains(expectation, 'reliability')"
            )
        values = Counter(
            v.encode() if enc == "utf-8" else base64.b64decode(v)
            for v, enc in q("SELECT value, value_encoding FROM dead_letters")
        )
        assert values == Counter(malformed)
        assert q("SELECT uniqExact(cluster_id) FROM dead_letters") == [(2,)]
        # Every alert raised reached the topic (either broker's) and the webhook.
        outbox = {
            (a, "resolved" if v == 2 else "open")
            for a, v in q("SELECT alert_id, version FROM alert_outbox FINAL")
        }
        assert len(outbox) >= 2
        on_topic = {(a["alert_id"], a["state"]) for w in watches for a in w.seen}
        on_hook = {(a["alert_id"], a["state"]) for a in hook.received}
        assert outbox <= on_topic
        assert outbox <= on_hook
        # Kills landed mid-insert (the slow view makes that likely) and were repaired.
        assert sum(repaired) >= 1
        assert q("SELECT count() FROM write_ledger FINAL WHERE state = 1") == [(0,)]
    finally:
        client.close()
    with capsys.disabled():
        print(
            f"crash soak: {KILLS_BEFORE + KILLS_AFTER} kills; "
            f"blocks repaired per restart {repaired}"
        )
