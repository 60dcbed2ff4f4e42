"""History with a drop, through a real worker: the alert reaches the alerts topic and table."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaConsumer

from pipeline.warehouse import connect

pytestmark = pytest.mark.e2e


def test_a_drop_in_the_stream_is_published_as_an_explained_alert(
    settings, broker, produce, tmp_path
):
    from tests.e2e.conftest import worker_process

    start = (datetime.now(UTC) - timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    drop_at = start + timedelta(days=4, hours=2)
    n, at = 0, start
    while at < drop_at + timedelta(hours=3):
        bad = drop_at <= at < drop_at + timedelta(hours=2)
        for i in range(20):  # 120 ratings an hour
            score = 5 if i < (6 if bad else 16) else 2
            produce(
                "satisfaction-events",
                {
                    "event_id": f"a{n}",
                    "ts": (at + timedelta(seconds=i)).isoformat(),
                    "store_id": "S7",
                    "channel": "store",
                    "score": score,
                },
                key="S7",
            )
            n += 1
        if bad and at.minute == 0:
            produce(
                "complaints",
                {
                    "complaint_id": f"ac{n}",
                    "ts": (at + timedelta(minutes=5)).isoformat(),
                    "store_id": "S7",
                    "channel": "store",
                    "text": "店员态度很差，爱理不理的",
                },
                key="S7",
            )
        at += timedelta(minutes=10)
    produce.flush()

    config = settings.with_(
        kafka_bootstrap=broker.bootstrap, alert_interval_seconds=1.0, alert_replay_days=30
    )
    with worker_process(config, tmp_path) as worker:
        worker.wait_until(lambda t: t["satisfaction-events"]["written"] == n, timeout=180)
        worker.wait_until(lambda _t: worker.stats()["worker"]["alerts"] >= 2, timeout=60)
        consumer = KafkaConsumer(
            "alerts",
            bootstrap_servers=broker.bootstrap,
            auto_offset_reset="earliest",
            consumer_timeout_ms=10_000,
        )
        published = [json.loads(m.value) for m in consumer]
        consumer.close()
        assert worker.stop() == 0

    store_alerts = [a for a in published if a["scope"] == "store"]
    assert {a["state"] for a in store_alerts} >= {"open"}
    opened = next(a for a in store_alerts if a["state"] == "open")
    assert opened["store_id"] == "S7" and opened["drop"] > 0.3
    assert opened["baseline"]["top2_share"] == pytest.approx(0.8, abs=0.02)
    assert opened["complaints"]["by_gap"], opened
    assert opened["likely_cause"]
    client = connect(config.warehouse.dsn)
    try:
        ids = {row[0] for row in client.query("SELECT alert_id FROM alerts FINAL").result_rows}
    finally:
        client.close()
    assert {a["alert_id"] for a in published} == ids
