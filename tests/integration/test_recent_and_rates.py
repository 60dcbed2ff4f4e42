"""Rates per second, the report's default range and the live view's last minutes, on
warehouses filled with rows whose times are known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.config import PROJECT_ROOT
from pipeline.panels import TimeRange, expand
from pipeline.panels.ops import OPS
from pipeline.panels.report_range import fitted_range
from pipeline.warehouse import connect, migrate
from pipeline.warehouse.summary import recent

pytestmark = pytest.mark.integration
MIGRATIONS = PROJECT_ROOT / "infra" / "clickhouse" / "migrations"
START = datetime(2026, 11, 20, 13, tzinfo=UTC)


@pytest.fixture
def fresh(tmp_path):
    client = connect(f"chdb://{tmp_path / 'chdb'}")
    migrate(client, MIGRATIONS)
    yield client
    client.close()


def _panel(title: str):
    (panel,) = [p for _, p in OPS.panels() if p.title == title]
    return panel


# Ratings as a worker writes them: where each came from and when it was written.
WRITTEN_RATINGS = [
    "event_id",
    "ts",
    "store_id",
    "channel",
    "score",
    "source_partition",
    "source_offset",
    "ingested_at",
]


def test_rows_per_second_are_counted_per_second_not_per_interval(fresh):
    """300 rows a second for one minute inside a five-minute interval: 300/s, not 60/s."""
    written_from = START + timedelta(minutes=1)
    rows = [
        (f"r{n}", written_from, "S1", "app", 4, 0, n, written_from + timedelta(seconds=n / 300))
        for n in range(300 * 60)
    ]
    fresh.insert(
        "satisfaction_events",
        rows,
        column_names=WRITTEN_RATINGS,
    )
    window = TimeRange(START, START + timedelta(minutes=5), 300)
    sql = expand(_panel("Rows written per second").sql, window, {})
    assert fresh.query(sql).result_rows == [(START.replace(tzinfo=None), "satisfaction", 300.0)]


def test_the_default_range_fits_the_data(fresh):
    now = START + timedelta(hours=3)
    assert fitted_range(fresh, None, None, now) == (now - timedelta(hours=24), now)
    first = START + timedelta(minutes=1, seconds=20)
    rows = [
        (f"d{n}", first + timedelta(seconds=n), "S1", "app", 4, 0, n, first + timedelta(seconds=n))
        for n in range(8 * 60)
    ]
    fresh.insert(
        "satisfaction_events",
        rows,
        column_names=WRITTEN_RATINGS,
    )
    # First data 13:01:20, last 13:09:19: whole minutes around it.
    assert fitted_range(fresh, None, None, now) == (
        START + timedelta(minutes=1),
        START + timedelta(minutes=10),
    )
    asked = START + timedelta(minutes=5)
    assert fitted_range(fresh, asked, None, now) == (asked, START + timedelta(minutes=10))
    # A burst shorter than five minutes is drawn in five.
    short = fitted_range(fresh, None, START + timedelta(minutes=2), now)
    assert short == (START - timedelta(minutes=3), START + timedelta(minutes=2))


def test_recent_shows_the_last_minutes_only(fresh):
    now = START + timedelta(hours=1)
    latencies = [0.2 + 0.01 * n for n in range(100)]  # seconds from event to row
    rows = []
    for n, latency in enumerate(latencies):
        written = now - timedelta(seconds=200) + timedelta(seconds=n)
        rows.append((f"n{n}", written - timedelta(seconds=latency), "S1", 5, n, written))
    for n in range(50):  # written ten minutes ago: not "now"
        written = now - timedelta(minutes=10)
        rows.append((f"o{n}", written - timedelta(hours=1), "S2", 1, 1000 + n, written))
    fresh.insert(
        "satisfaction_events",
        [(*r[:3], "app", r[3], 0, r[4], r[5]) for r in rows],
        column_names=WRITTEN_RATINGS,
    )
    fresh.insert(
        "dead_letters",
        [
            ("complaints", 0, 1, "bad", "{}", "utf-8", now - timedelta(minutes=1)),
            ("complaints", 0, 2, "bad", "{}", "utf-8", now - timedelta(minutes=2)),
            ("satisfaction-events", 0, 3, "bad", "{}", "utf-8", now - timedelta(minutes=30)),
        ],
        column_names=[
            "source_topic",
            "partition",
            "offset",
            "reason",
            "value",
            "value_encoding",
            "ingested_at",
        ],
    )
    alert_columns = ["alert_id", "kind", "scope", "store_id", "channel", "opened_at"]
    fresh.insert(
        "alerts",
        [
            ("a1", "satisfaction_drop", "store", "S1", "", now - timedelta(hours=2), None, 0.3, 1),
            ("a2", "sla_first_response", "store", "S2", "", now - timedelta(hours=1), None, 0, 1),
            ("a3", "satisfaction_drop", "store", "S3", "", now - timedelta(hours=3), now, 0.2, 2),
        ],
        column_names=[*alert_columns, "resolved_at", "drop", "version"],
    )
    got = recent(fresh, now)
    assert got["written"] == {"satisfaction-events": 100}
    ((p95,),) = fresh.query(
        "SELECT quantileExact(0.95)(x) FROM (SELECT arrayJoin({xs:Array(Float64)}) AS x)",
        parameters={"xs": latencies},
    ).result_rows
    assert got["p95_latency_s"]["satisfaction-events"] == pytest.approx(p95, abs=0.002)
    assert got["dead_letters"] == {"complaints": 2}
    assert got["open_alerts"] == 2
    assert [(a["kind"], a["drop"]) for a in got["newest_open_alerts"]] == [
        ("sla_first_response", None),
        ("satisfaction_drop", pytest.approx(0.3)),
    ]
    assert [(r["store_id"], r["rating_count"]) for r in got["by_store"]] == [("S1", 100)]
    empty = recent(fresh, now + timedelta(hours=1))
    assert empty["written"] == {} and empty["by_store"] == [] and empty["dead_letters"] == {}
