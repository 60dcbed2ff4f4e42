"""The alert runner on chDB: a drop in the warehouse becomes one explained alert, once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from pipeline.alerting import AlertRunner, Webhook
from pipeline.config import PROJECT_ROOT
from pipeline.warehouse import connect, migrate
from pipeline.warehouse.stores import StoreGroup, write_directory
from pipeline.warehouse.tables import (
    ALERTS,
    COMPLAINTS,
    PIPELINE_HEALTH,
    SATISFACTION_EVENTS,
    HealthRow,
)

pytestmark = pytest.mark.integration
START = datetime(2026, 3, 2, tzinfo=UTC)
STEP = timedelta(minutes=10)
DROP_AT = START + timedelta(days=4, hours=10)


def ratings(client) -> None:
    client.insert(
        "satisfaction_events", rating_rows(), column_names=list(SATISFACTION_EVENTS.columns)
    )


def rating_rows() -> list[tuple]:
    """4 days at 80% 4–5 scores, 2 hours at 30%, then 4 hours back at 80%: 120 an hour."""
    rows, n = [], 0
    at = START
    while at < DROP_AT + timedelta(hours=6):
        good = 6 if DROP_AT <= at < DROP_AT + timedelta(hours=2) else 16
        for i in range(20):
            score = 5 if i < good else 2
            rows.append(
                (
                    f"e{n}",
                    at + timedelta(seconds=i * 25),
                    "S1",
                    "app",
                    None,
                    None,
                    score,
                    {},
                    {},
                    0,
                    n,
                )
            )
            n += 1
        at += STEP
    return rows


def complaints(client) -> None:
    gaps = ["gap3_delivery"] * 5 + ["gap2_standards"] * 2 + ["not_complaint"]
    rows = [
        (
            f"c{i}",
            DROP_AT + timedelta(minutes=5 + 10 * i),
            "S1",
            "app",
            "师傅迟到还态度差",
            None,
            None,
            None,
            gap,
            0.9,
            "assurance" if gap == "gap3_delivery" else "empathy",
            0.8,
            "t",
            ["迟到", "态度"] if gap == "gap3_delivery" else ["规定"],
            0,
            i,
        )
        for i, gap in enumerate(gaps)
    ]
    client.insert("complaints", rows, column_names=list(COMPLAINTS.columns))


@pytest.fixture
def client(tmp_path):
    client = connect(f"chdb://{tmp_path / 'chdb'}")
    migrate(client, PROJECT_ROOT / "infra" / "clickhouse" / "migrations")
    ratings(client)
    complaints(client)
    yield client
    client.close()


def test_a_drop_becomes_one_explained_alert_that_resolves(client):
    records = AlertRunner(client, replay=timedelta(days=30)).step()
    by_scope = {(r.event.scope.kind, r.state): r for r in records}
    # One drop, one store, one channel: the store alert and the overall one; the channel
    # alert would only repeat the store's.
    assert set(by_scope) == {
        ("store", "open"),
        ("store", "resolved"),
        ("overall", "open"),
        ("overall", "resolved"),
    }
    opened = by_scope[("store", "open")]
    assert DROP_AT < opened.event.opened_at <= DROP_AT + timedelta(minutes=30)
    assert opened.event.measured.baseline_share == pytest.approx(0.8, abs=0.01)
    assert opened.event.measured.current_share < 0.5 and opened.event.measured.ratings >= 15
    assert opened.why.gaps.get("gap3_delivery", 0) >= 1
    assert "gap 3 (delivery)" in opened.why.likely_cause and "train" in opened.why.likely_cause
    assert "迟到" in opened.why.top_terms
    resolved = by_scope[("store", "resolved")].event
    assert (
        resolved.alert_id == opened.event.alert_id
        and resolved.resolved_at > DROP_AT + timedelta(hours=2)
    )

    rows = client.query(
        "SELECT scope, store_id, resolved_at IS NOT NULL, gaps['gap3_delivery'] "
        "FROM alerts FINAL ORDER BY scope"
    ).result_rows
    assert rows == [
        ("overall", "", True, opened.why.gaps["gap3_delivery"]),
        ("store", "S1", True, opened.why.gaps["gap3_delivery"]),
    ]


def test_stores_in_the_directory_raise_region_and_brand_alerts_explained_by_their_stores(
    client,
):
    write_directory(
        client, {"S1": StoreGroup("north", "fastfix"), "S9": StoreGroup("south", "fastfix")}
    )
    records = AlertRunner(client, replay=timedelta(days=30)).step()
    opened = {str(r.event.scope): r for r in records if r.state == "open"}
    assert {"region:north", "brand:fastfix"} <= set(opened)
    assert "region:south" not in opened  # S9 rates nothing: its region has no evidence
    region = opened["region:north"]
    assert region.event.scope.group == "north" and region.event.severity == "page"
    assert region.why.gaps.get("gap3_delivery", 0) >= 1  # S1's complaints: north's store
    assert json.loads(region.to_json())["group"] == "north"
    rows = client.query(
        "SELECT scope_group, resolved_at IS NOT NULL FROM alerts FINAL "
        "WHERE scope IN ('region', 'brand') ORDER BY scope"
    ).result_rows
    assert rows == [("fastfix", True), ("north", True)]


@pytest.fixture
def empty(tmp_path):
    client = connect(f"chdb://{tmp_path / 'chdb'}")
    migrate(client, PROJECT_ROOT / "infra" / "clickhouse" / "migrations")
    yield client
    client.close()


def _health(client, lags: dict[int, int]) -> None:
    now = datetime.now(UTC)
    rows = [
        HealthRow(now, "w1", "satisfaction-events", p, 10_000, 10_000 - lag, lag, 0)
        for p, lag in lags.items()
    ]
    client.insert(PIPELINE_HEALTH.name, rows, column_names=list(PIPELINE_HEALTH.columns))


def test_a_partition_being_caught_up_holds_event_time_back(empty):
    """S1 sits on partition 0, still being caught up on after an outage; partition 1 is
    already a day ahead. Event time must wait for partition 0, or S1's drop is missed."""
    before = [r for r in rating_rows() if r[1] < DROP_AT]
    after = [r for r in rating_rows() if r[1] >= DROP_AT]
    ahead = [("far", DROP_AT + timedelta(days=1), "S2", "app", None, None, 5, {}, {}, 1, 0)]
    columns = list(SATISFACTION_EVENTS.columns)

    def run(partitions: int | None) -> list:
        empty.command("TRUNCATE TABLE satisfaction_events")
        empty.command("TRUNCATE TABLE satisfaction_minute")
        empty.command("TRUNCATE TABLE alerts")
        empty.insert("satisfaction_events", before + ahead, column_names=columns)
        _health(empty, {0: len(after), 1: 0})
        runner = AlertRunner(empty, replay=timedelta(days=30), partitions=partitions)
        first = runner.step()
        empty.insert("satisfaction_events", after, column_names=columns)
        _health(empty, {0: 0, 1: 0})
        return first + runner.step()

    found = {(r.event.scope.kind, r.event.scope.store_id, r.state) for r in run(partitions=2)}
    assert ("store", "S1", "open") in found
    # Without the partitions' progress, event time jumps to partition 1's day ahead.
    assert not [r for r in run(partitions=None) if r.event.scope.store_id == "S1"]


def test_no_window_closes_while_a_partition_is_unaccounted_for(client):
    _health(client, {0: 0})  # partition 1 has no fresh health row: no worker reports it
    runner = AlertRunner(client, replay=timedelta(days=30), partitions=2)
    assert [r for r in runner.step() if r.event.kind == "satisfaction_drop"] == []
    assert runner.next is None
    _health(client, {0: 0, 1: 0})
    assert [r for r in runner.step() if r.event.kind == "satisfaction_drop"]


def test_a_restarted_runner_repeats_no_alert(client):
    first = AlertRunner(client, replay=timedelta(days=30)).step()
    assert first
    again = AlertRunner(client, replay=timedelta(days=30)).step()  # a restart replays history
    assert again == []
    assert client.query("SELECT count() FROM alerts FINAL").result_rows == [(2,)]


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers, body))  # case-insensitive lookups
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_webhook_posts_signed_json_and_gives_up_quietly(client):
    record = AlertRunner(client, replay=timedelta(days=30)).step()[0]
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        assert Webhook(url, secret="s3cret").post(record.to_json())
    finally:
        server.shutdown()
        server.server_close()
    headers, body = _Receiver.received[-1]
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-GapWatch-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["alert_id"] == record.event.alert_id and payload["state"] == "open"
    assert payload["complaints"]["by_gap"]["gap3_delivery"] >= 1
    # Nobody listening: a bounded number of attempts, then False, never an exception.
    dead = Webhook(f"http://127.0.0.1:{server.server_port}/hook", timeout=0.5, attempts=2)
    assert dead.post(record.to_json()) is False


def test_a_backtest_of_the_same_events_raises_the_same_alerts(client, tmp_path):
    """`gapwatch alerts backtest` runs the live detector on event time: from a file of the
    events the warehouse holds, it raises the alerts the worker's runner raised."""
    from pipeline.alerting.backtest import as_line, backtest

    live = AlertRunner(client, replay=timedelta(days=30)).step()
    lines = [
        json.dumps(
            {
                "event_id": r[0],
                "ts": r[1].isoformat(),
                "store_id": r[2],
                "channel": r[3],
                "score": r[6],
            }
        ).encode()
        for r in rating_rows()
    ]
    replayed = backtest(lines + lines[:50])  # a producer's retries: counted once
    assert replayed.events == len(lines) and replayed.duplicates == 50
    assert [(a.event.alert_id, a.state) for a in replayed.alerts] == [
        (r.event.alert_id, r.state) for r in live if r.event.kind == "satisfaction_drop"
    ]
    first = as_line(replayed.alerts[0])
    assert set(first) == set(ALERTS.row_columns) - {"payload"}
    assert first["alert_id"] == replayed.alerts[0].event.alert_id and first["version"] == 1


def test_drift_checks_read_the_days_before_the_replay_from_the_rollups(empty):
    """Six weeks at 78% 4–5 scores, then six days at 68%: a drift the learned baseline
    absorbs. The runner replays only 7 days, yet the drift check has its month-old
    reference, from the daily totals of the rollups."""
    rows, n = [], 0
    for day in range(48):
        share = 0.68 if day >= 42 else 0.78
        for hour in range(10, 20):
            at = START + timedelta(days=day, hours=hour)
            for i in range(30):
                score = 5 if (i + 0.5) / 30 < share else 2
                rows.append(
                    (f"e{n}", at + timedelta(seconds=i * 100), "S1", "app", None, None, score,
                     {}, {}, 0, n)
                )  # fmt: skip
                n += 1
    empty.insert("satisfaction_events", rows, column_names=list(SATISFACTION_EVENTS.columns))
    records = AlertRunner(empty, replay=timedelta(days=7)).step()
    drifts = [r.event for r in records if r.event.trigger == "drift"]
    assert drifts and drifts[0].severity == "watch" and drifts[0].scope.store_id == "S1"
    assert drifts[0].opened_at <= START + timedelta(days=48)
