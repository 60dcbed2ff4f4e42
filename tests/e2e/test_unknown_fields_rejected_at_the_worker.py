"""GAPWATCH_UNKNOWN_FIELDS=reject reaches a real worker: messages with unknown fields are
dead letters naming them (and, for a newer schema_version, what to do), and are counted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.warehouse import connect

pytestmark = pytest.mark.e2e


def test_a_worker_set_to_reject_dead_letters_unknown_fields(settings, broker, produce, tmp_path):
    from tests.e2e.conftest import worker_process

    ts = datetime.now(UTC).isoformat()
    event = {"ts": ts, "store_id": "S1", "channel": "app", "score": 4}
    produce("satisfaction-events", {**event, "event_id": "known"})
    produce("satisfaction-events", {**event, "event_id": "tier", "tier": "gold"})
    produce(
        "satisfaction-events", {**event, "event_id": "v2", "schema_version": 2, "reason": "slow"}
    )
    update = {"complaint_id": "c1", "ts": ts, "status": "acknowledged"}
    produce("complaint-updates", update)
    produce("complaint-updates", {**update, "status": "resolved", "desk": "north"})
    produce.flush()

    strict = settings.with_(kafka_bootstrap=broker.bootstrap, unknown_fields="reject")
    with worker_process(strict, tmp_path) as worker:
        stats = worker.wait_until(
            lambda t: (
                t["satisfaction-events"]["written"] == 1
                and t["complaint-updates"]["written"] == 1
                and t["dead-letters"]["written"] == 3
            )
        )
        topics = stats["worker"]["topics"]
        assert topics["satisfaction-events"]["unknown_fields"] == 2
        assert topics["satisfaction-events"]["unknown_field_names"] == {"tier": 1, "reason": 1}
        assert topics["complaint-updates"]["unknown_fields"] == 1
        assert worker.stop() == 0

    client = connect(settings.warehouse.dsn)
    try:
        assert client.query("SELECT event_id FROM satisfaction_events").result_rows == [("known",)]
        letters = client.query("SELECT source_topic, reason FROM dead_letters").result_rows
        assert sorted(letters) == [
            ("complaint-updates", "desk: unknown field"),
            (
                "satisfaction-events",
                "reason: unknown field (schema_version 2 is newer than the 1 this worker "
                "knows: upgrade the worker, then replay these dead letters)",
            ),
            ("satisfaction-events", "tier: unknown field"),
        ]
    finally:
        client.close()
