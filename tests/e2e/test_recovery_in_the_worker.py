"""Complaint updates through a real worker: stored, explained, dead-lettered when invalid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.warehouse import connect

pytestmark = pytest.mark.e2e


def test_updates_flow_into_the_lifecycle(start_worker, produce, settings):
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)

    def at(minutes: int) -> str:
        return (t0 + timedelta(minutes=minutes)).isoformat()

    produce(
        "complaints",
        {
            "complaint_id": "r-1",
            "ts": at(0),
            "store_id": "S1",
            "channel": "app",
            "text": "师傅迟到两个小时还态度差",
            "customer_id": "K1",
        },
        key="S1",
    )
    updates = [
        {"complaint_id": "r-1", "ts": at(45), "status": "acknowledged", "agent_id": "A1"},
        {
            "complaint_id": "r-1",
            "ts": at(240),
            "status": "resolved",
            "recovery_score": 4,
            "note": "上门重新维修",
        },
        {"complaint_id": "ghost", "ts": at(60), "status": "acknowledged"},
        {"complaint_id": "r-1", "ts": at(30), "status": "done"},  # not a status
    ]
    for update in updates:
        produce("complaint-updates", update, key="S1")
    # The same step published twice counts once.
    produce("complaint-updates", updates[0], key="S1")
    produce.flush()

    with start_worker() as worker:
        worker.wait_until(
            lambda t: (
                t["complaint-updates"]["received"] == 5
                and t["dead-letters"]["received"] == 1
                and t["complaints"]["written"] == 1
            )
        )
        assert worker.stop() == 0

    client = connect(settings.warehouse.dsn)
    try:
        q = lambda sql: client.query(sql).result_rows  # noqa: E731
        assert q("SELECT count() FROM complaint_updates") == [(3,)]
        assert q(
            "SELECT status, minutes_to_first_response, hours_to_resolution, recovery_score "
            "FROM complaint_lifecycle WHERE complaint_id = 'r-1'"
        ) == [("resolved", 45.0, 4.0, 4)]
        assert q("SELECT complaint_id FROM orphan_complaint_updates") == [("ghost",)]
        [(reason,)] = q("SELECT reason FROM dead_letters WHERE source_topic = 'complaint-updates'")
        assert reason.startswith("status: Input should be 'acknowledged'")
    finally:
        client.close()

    report = CliRunner().invoke(
        main,
        ["report", "gaps", "--since", (t0 - timedelta(days=1)).date().isoformat()],
        env={**settings.env(), "COLUMNS": "200"},
    )
    assert report.exit_code == 0, report.output
    assert "S1" in report.output and "what to do" in report.output
