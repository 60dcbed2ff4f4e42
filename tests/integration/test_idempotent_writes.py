"""Replays, republished ids and retried inserts count once, in raw tables and rollups alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.config import PROJECT_ROOT
from pipeline.sinks import ClickHouseSink
from pipeline.warehouse import connect, migrate
from pipeline.warehouse.tables import DEAD_LETTERS, SATISFACTION_EVENTS

pytestmark = pytest.mark.integration
TS = datetime(2026, 11, 21, 3, 15, tzinfo=UTC)


@pytest.fixture
def client(tmp_path):
    client = connect(f"chdb://{tmp_path / 'chdb'}")
    migrate(client, PROJECT_ROOT / "infra" / "clickhouse" / "migrations")
    yield client
    client.close()


def rating(event_id: str, score: int, offset: int = 0) -> tuple:
    return (event_id, TS, "S1", "app", None, None, score, {}, {}, 0, offset)


def totals(client) -> tuple:
    raw = client.query("SELECT count(), sum(score) FROM satisfaction_events").result_rows[0]
    rollup = client.query(
        "SELECT sum(ratings), sum(score_sum) FROM satisfaction_minute"
    ).result_rows[0]
    keys = client.query(
        "SELECT count() FROM ingested_keys FINAL WHERE tbl = 'satisfaction_events'"
    ).result_rows[0][0]
    return raw, rollup, keys


def flush(sink: ClickHouseSink, rows: list[tuple]) -> int:
    for row in rows:
        sink.add(row)
    return sink.flush()


def test_a_replay_with_other_batch_boundaries_adds_nothing(client):
    sink = ClickHouseSink(client, SATISFACTION_EVENTS)
    first = [rating(f"e{i}", 1 + i % 5, i) for i in range(10)]
    assert flush(sink, first[:6]) == 6
    # After a crash the consumer re-reads from the last commit: old and new rows mixed.
    assert flush(sink, first[3:]) == 4
    assert flush(sink, first) == 0
    assert totals(client) == ((10, sum(r[6] for r in first)), (10, sum(r[6] for r in first)), 10)
    assert sink.skipped == 3 + 10


def test_an_id_published_twice_counts_once_even_within_one_batch(client):
    sink = ClickHouseSink(client, SATISFACTION_EVENTS)
    assert flush(sink, [rating("dup", 5, 1), rating("dup", 5, 2), rating("other", 3, 3)]) == 2
    assert flush(sink, [rating("dup", 5, 9)]) == 0
    assert totals(client) == ((2, 8), (2, 8), 2)


def test_clickhouse_drops_a_retried_identical_block_in_every_view(client):
    """The second line of defence: an insert that landed but whose answer was lost."""
    rows = [rating("a", 5), rating("b", 2)]
    settings = {
        "insert_deduplication_token": "same-block",
        "deduplicate_blocks_in_dependent_materialized_views": 1,
    }
    for _ in range(3):
        client.insert(
            "satisfaction_events",
            rows,
            column_names=list(SATISFACTION_EVENTS.columns),
            settings=settings,
        )
    assert totals(client) == ((2, 7), (2, 7), 2)


def test_dead_letters_are_keyed_by_their_position(client):
    sink = ClickHouseSink(client, DEAD_LETTERS)
    letter = ("complaints", 3, 41, "text: empty", "{}", "utf-8", TS)
    assert flush(sink, [letter, letter]) == 1
    assert flush(sink, [letter, (*letter[:2], 42, *letter[3:])]) == 1
    assert client.query("SELECT offset FROM dead_letters ORDER BY offset").result_rows == [
        (41,),
        (42,),
    ]
