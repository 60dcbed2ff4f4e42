"""`gapwatch dead-letters replay`: after a fix, chosen dead letters go back to their topic
with their key and headers, and each replayed message is counted once, even when a replay
is sent twice or fails again."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from click.testing import CliRunner
from kafka import KafkaConsumer

from pipeline.cli import main
from pipeline.kafka.replay import send_back
from pipeline.warehouse import connect
from pipeline.warehouse.dead_letters import replayable
from tests.e2e.conftest import worker_process

pytestmark = pytest.mark.e2e
LONG = "空调坏了三天没人来修，打了五次电话每次都说马上派人，到现在还是没有人来"


def counts(worker) -> dict:
    stats = worker.stats()
    return stats["warehouse"]["counts"] if stats else {}


def test_replay_after_a_fix_counts_each_message_once(settings, broker, produce, tmp_path):
    strict = settings.with_(kafka_bootstrap=broker.bootstrap, max_text_chars=20)
    for i in range(5):
        complaint = {
            "complaint_id": f"long-{i}",
            "ts": "2026-12-01T08:00:00+08:00",
            "store_id": "S1",
            "channel": "app",
            "text": LONG,
        }
        produce("complaints", complaint, key="S1")
    produce("complaints", b"{not json", key="S1")
    produce.flush()

    # A worker whose limit rejects long texts: all six are dead letters.
    with worker_process(strict, tmp_path) as w:
        w.wait_until(lambda _t: counts(w).get("dead_letters") == 6)
        assert w.stop() == 0

    env = strict.env()
    runner = CliRunner()
    dry = runner.invoke(main, ["dead-letters", "replay", "--reason", "text", "--dry-run"], env=env)
    assert dry.exit_code == 0 and "would replay 5 dead letters: 5 to complaints" in dry.output
    sent = runner.invoke(main, ["dead-letters", "replay", "--reason", "text"], env=env)
    assert sent.exit_code == 0, sent.output
    assert "replayed 5 dead letters: 5 to complaints" in sent.output
    again = runner.invoke(main, ["dead-letters", "replay", "--reason", "text"], env=env)
    assert "no dead letters to replay" in again.output

    # The fix: the limit raised. The replayed complaints are accepted, once each.
    fixed = strict.with_(max_text_chars=2000)
    with worker_process(fixed, tmp_path) as w:
        w.wait_until(lambda _t: counts(w).get("complaints") == 5)
        assert w.stop() == 0

    # The malformed one cannot be fixed: replayed, it fails again, as one new dead letter
    # that names the one it replays, however often the replay is sent (a crash between
    # sending and recording sends it again).
    client = connect(fixed.warehouse.dsn)
    try:
        [bad] = replayable(client, "JSON", datetime(2000, 1, 1, tzinfo=UTC), 10)
    finally:
        client.close()
    for _ in range(2):
        acked, _report = send_back(fixed, [bad])
        assert len(acked) == 1
    with worker_process(fixed, tmp_path) as w:
        w.wait_until(lambda _t: counts(w).get("dead_letters") == 7)
        assert w.stop() == 0

    client = connect(fixed.warehouse.dsn)
    try:
        q = lambda sql: client.query(sql).result_rows  # noqa: E731
        assert q("SELECT count(), uniqExact(complaint_id) FROM complaints") == [(5, 5)]
        assert q("SELECT count() FROM dead_letters WHERE replay_of != ''") == [(1,)]
        [(replay_of,)] = q("SELECT replay_of FROM dead_letters WHERE replay_of != ''")
        assert replay_of == bad.letter.dead_letter_id
        assert q("SELECT count() FROM dead_letter_replays") == [(5,)]
    finally:
        client.close()

    # What went back carried the original key, and a header naming its dead letter.
    consumer = KafkaConsumer(
        "complaints",
        bootstrap_servers=broker.bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    replayed = [m for m in consumer if any(k == "gapwatch-replay-of" for k, _ in m.headers)]
    consumer.close()
    assert len(replayed) == 7 and {m.key for m in replayed} == {b"S1"}
    accepted = [orjson.loads(m.value) for m in replayed if m.value.startswith(b'{"')]
    assert sorted(c["complaint_id"] for c in accepted) == [f"long-{i}" for i in range(5)]
