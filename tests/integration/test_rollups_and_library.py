"""Rollups, backfill, retention and every library query, on seed data with known answers."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest

from pipeline.config import PROJECT_ROOT, Settings
from pipeline.warehouse import connect, migrate
from pipeline.warehouse.library import library
from pipeline.warehouse.readonly import read
from pipeline.warehouse.retention import RAW, ROLLUPS, apply_retention
from pipeline.warehouse.setup import prepare_warehouse
from tests.integration.seed import MON, seed

pytestmark = pytest.mark.integration
MIGRATIONS = PROJECT_ROOT / "infra" / "clickhouse" / "migrations"
QUERIES = library(PROJECT_ROOT / "infra" / "clickhouse" / "queries")
WINDOW = {"since": datetime(2026, 11, 16, tzinfo=UTC), "until": datetime(2026, 11, 30, tzinfo=UTC)}


@pytest.fixture
def client(tmp_path):
    client = connect(f"chdb://{tmp_path / 'chdb'}")
    yield client
    client.close()


@pytest.fixture
def seeded(client):
    migrate(client, MIGRATIONS)
    seed(client)
    return client


def rows(client, sql: str) -> list[tuple]:
    return client.query(sql).result_rows


def test_satisfaction_rollups_at_both_grains(seeded):
    for grain in ("minute", "hour"):
        assert rows(
            seeded,
            f"""
            SELECT store_id, sum(ratings), sum(score_sum), sum(top2_ratings),
                   sum(score_1), sum(score_2), sum(score_3), sum(score_4), sum(score_5)
            FROM satisfaction_{grain} GROUP BY store_id ORDER BY store_id""",
        ) == [
            ("S1", 16, 54, 5, 0, 1, 10, 3, 2),
            ("S2", 15, 54, 12, 1, 1, 1, 12, 0),
            ("S3", 5, 5, 0, 5, 0, 0, 0, 0),
        ]
    assert rows(seeded, "SELECT count() FROM satisfaction_hour WHERE store_id = 'S1'") == [(3,)]


def test_servqual_rollup_measures_perception_minus_expectation(seeded):
    assert rows(
        seeded,
        """
        SELECT store_id, dimension, sum(responses),
               (toInt64(sum(perception_sum)) - toInt64(sum(expectation_sum))) / sum(responses)
        FROM servqual_hour GROUP BY store_id, dimension ORDER BY store_id, dimension""",
    ) == [
        ("S1", "empathy", 10, 0.0),
        ("S1", "reliability", 10, -2.0),
        ("S2", "reliability", 12, 1.0),
        ("S3", "reliability", 5, -6.0),
    ]


def test_complaint_rollup_by_gap_and_dimension(seeded):
    assert rows(
        seeded,
        """
        SELECT gap, dimension, sum(complaints) FROM complaints_minute
        WHERE store_id = 'S1' GROUP BY gap, dimension ORDER BY gap, dimension""",
    ) == [
        ("gap2_standards", "empathy", 1),
        ("gap3_delivery", "assurance", 2),
        ("gap3_delivery", "reliability", 1),
        ("gap4_communication", "reliability", 1),
        ("gap5_perception", "none", 1),
        ("not_complaint", "none", 1),
    ]
    [(total, confidence)] = rows(
        seeded, "SELECT sum(complaints), sum(gap_confidence_sum) FROM complaints_hour"
    )
    assert total == 10 and confidence == pytest.approx(sum(0.5 + n / 100 for n in range(10)))


def test_rollups_are_backfilled_from_an_older_warehouse(client, tmp_path):
    older = tmp_path / "older"
    older.mkdir()
    for path in sorted(MIGRATIONS.glob("000[12]_*.sql")):
        shutil.copy(path, older)
    migrate(client, older)
    seed(client, older=True)
    assert [m.version for m in migrate(client, MIGRATIONS)] == list(range(3, 12))
    assert rows(client, "SELECT sum(ratings), sum(score_sum) FROM satisfaction_hour") == [(36, 113)]
    assert rows(client, "SELECT sum(responses) FROM servqual_minute") == [(37,)]
    assert rows(client, "SELECT sum(complaints) FROM complaints_hour") == [(10,)]
    assert migrate(client, MIGRATIONS) == []


def test_retention_is_set_once_and_follows_settings(client, tmp_path):
    settings = Settings().with_(raw_retention_days=30, rollup_retention_days=400)
    report = prepare_warehouse(client, settings)
    assert set(report.retention_changed) == set(RAW) | set(ROLLUPS)
    assert apply_retention(client, 30, 400) == []
    engines = dict(rows(client, "SELECT name, engine_full FROM system.tables"))
    assert "TTL toDateTime(ts) + toIntervalDay(30)" in engines["satisfaction_events"]
    assert "TTL bucket + toIntervalDay(400)" in engines["complaints_hour"]
    assert apply_retention(client, 30, 90) == sorted(ROLLUPS, key=list(ROLLUPS).index)


def query(client, name: str) -> list[tuple]:
    return read(client, QUERIES[name].sql, WINDOW)[1]


def test_gap_mix_by_store_week(seeded):
    week1, week2 = MON.date(), datetime(2026, 11, 23).date()
    assert query(seeded, "gap_mix_by_store_week") == [
        ("S1", week1, "gap3_delivery", 3, 0.5),
        ("S1", week1, "gap2_standards", 1, 0.1667),
        ("S1", week1, "gap4_communication", 1, 0.1667),
        ("S1", week1, "not_complaint", 1, 0.1667),
        ("S1", week2, "gap5_perception", 1, 1.0),
        ("S2", week1, "gap1_knowledge", 2, 0.6667),
        ("S2", week1, "gap3_delivery", 1, 0.3333),
    ]


def test_worst_stores_by_servqual(seeded):
    assert query(seeded, "worst_stores_by_servqual") == [
        ("empathy", 1, "S1", 10, 6.0, 6.0, 0.0),
        ("reliability", 1, "S1", 10, 7.0, 5.0, -2.0),
        ("reliability", 2, "S2", 12, 6.0, 7.0, 1.0),
    ]


def test_complaints_vs_satisfaction(seeded):
    # S3 has 5 ratings, under the 10 a store needs to be ranked.
    assert query(seeded, "complaints_vs_satisfaction") == [
        ("S1", 16, 3.375, 0.3125, 6, 37.5),
        ("S2", 15, 3.6, 0.8, 3, 20.0),
    ]


def test_busiest_hours(seeded):
    assert query(seeded, "busiest_hours") == [(10, 27, 3.074, 0), (14, 5, 2.8, 4), (9, 4, 4.0, 5)]


def test_agents_with_most_delivery_gaps(seeded):
    assert query(seeded, "agents_with_most_delivery_gaps") == [
        ("A1", "S1", 2, 3, 0.6667),
        ("A2", "S1", 1, 1, 1.0),
        ("B1", "S2", 1, 1, 1.0),
    ]


def test_the_window_parameters_filter(seeded):
    narrow = {"since": MON.replace(hour=14), "until": MON.replace(hour=15)}
    assert read(seeded, QUERIES["busiest_hours"].sql, narrow)[1] == [(14, 3, 2.0, 3)]


def test_every_library_query_says_what_it_answers():
    assert len(QUERIES) >= 5
    for q in QUERIES.values():
        assert len(q.question) > 40, q.name
