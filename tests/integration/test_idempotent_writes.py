"""Replays, republished ids, retried inserts and writes cut off at any instant count once, in
raw tables and rollups alike; rows the warehouse refuses never stall the rest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.config import PROJECT_ROOT
from pipeline.contracts import DeadLetter
from pipeline.sinks import ClickHouseSink, WriteLedger
from pipeline.sinks.block import Block, encode, insert, token_for
from pipeline.warehouse import connect, migrate
from pipeline.warehouse.tables import (
    DEAD_LETTERS,
    SATISFACTION_EVENTS,
    columns_of,
    dead_letter_row,
)

pytestmark = pytest.mark.integration
TS = datetime(2026, 11, 21, 3, 15, tzinfo=UTC)
ROLLUPS = ("satisfaction_minute", "satisfaction_hour")


@pytest.fixture
def client(tmp_path):
    client = connect(f"chdb://{tmp_path / 'chdb'}")
    migrate(client, PROJECT_ROOT / "infra" / "clickhouse" / "migrations")
    yield client
    client.close()


def rating(event_id: str, score: int, offset: int = 0, store: str = "S1") -> tuple:
    return (event_id, TS, store, "app", None, None, score, {}, {}, 0, offset, 1, "{}")


def totals(client) -> tuple:
    raw = client.query("SELECT count(), sum(score) FROM satisfaction_events").result_rows[0]
    rollups = tuple(
        client.query(f"SELECT sum(ratings), sum(score_sum) FROM {t}").result_rows[0]
        for t in ROLLUPS
    )
    keys = client.query(
        "SELECT count() FROM ingested_keys FINAL WHERE tbl = 'satisfaction_events'"
    ).result_rows[0][0]
    return raw, *rollups, keys


def flush(sink: ClickHouseSink, rows: list[tuple]) -> int:
    for row in rows:
        sink.add(row)
    return sink.flush().written


def block_of(rows: list[tuple]) -> Block:
    lines, refused = encode(rows)
    assert not refused
    keys = [SATISFACTION_EVENTS.key(r) for r in rows]
    return Block(
        SATISFACTION_EVENTS.name,
        SATISFACTION_EVENTS.row_columns,
        token_for(SATISFACTION_EVENTS.name, keys),
        tuple(lines),
    )


def test_a_replay_with_other_batch_boundaries_adds_nothing(client):
    sink = ClickHouseSink(client, SATISFACTION_EVENTS)
    first = [rating(f"e{i}", 1 + i % 5, i) for i in range(10)]
    assert flush(sink, first[:6]) == 6
    # After a crash the consumer re-reads from the last commit: old and new rows mixed.
    assert flush(sink, first[3:]) == 4
    assert flush(sink, first) == 0
    total = sum(r[6] for r in first)
    assert totals(client) == ((10, total), (10, total), (10, total), 10)
    assert sink.skipped == 3 + 10


def test_an_id_published_twice_counts_once_even_within_one_batch(client):
    sink = ClickHouseSink(client, SATISFACTION_EVENTS)
    assert flush(sink, [rating("dup", 5, 1), rating("dup", 5, 2), rating("other", 3, 3)]) == 2
    assert flush(sink, [rating("dup", 5, 9)]) == 0
    assert totals(client) == ((2, 8), (2, 8), (2, 8), 2)


def test_a_write_cut_off_between_the_table_and_its_views_is_completed_exactly(client):
    """The kill of issue 18: the raw part committed, some views written, others not. Here a
    view that throws on a switch stops the insert at the same point a kill would; the
    ledger's repair then re-sends the same block, and every table ends exact."""
    client.command("CREATE TABLE cut (on UInt8) ENGINE = MergeTree ORDER BY on")
    client.command(
        "CREATE MATERIALIZED VIEW zz_cut_mv TO satisfaction_hour AS SELECT toStartOfHour(ts) "
        "AS bucket, store_id, channel, toUInt64(0) AS ratings, toUInt64(0) AS score_sum, "
        "toUInt64(0) AS top2_ratings, toUInt64(0) AS score_1, toUInt64(0) AS score_2, "
        "toUInt64(0) AS score_3, toUInt64(0) AS score_4, toUInt64(0) AS score_5 "
        "FROM satisfaction_events WHERE throwIf((SELECT count() FROM cut) > 0, 'cut off') = 0"
    )
    rows = [rating(f"k{i}", 1 + i % 5, i) for i in range(50)]
    block = block_of(rows)
    ledger = WriteLedger(client, "test", columns_of)
    ledger.begin(block)
    client.command("INSERT INTO cut VALUES (1)")
    with pytest.raises(Exception, match="cut off"):
        client.raw_insert(
            block.table,
            list(block.columns),
            insert_block=block.payload,
            fmt="JSONCompactEachRow",
            settings={
                "insert_deduplication_token": block.token,
                "deduplicate_blocks_in_dependent_materialized_views": 1,
            },
        )
    partial = totals(client)
    assert partial[0] == (50, sum(r[6] for r in rows))  # the raw part is there
    assert partial != ((50, 150),) * 3 + (50,)  # and some view is not
    client.command("TRUNCATE TABLE cut")

    # A new worker: repairs first, then its replay of the same messages adds nothing.
    sink = ClickHouseSink(client, SATISFACTION_EVENTS, ledger=WriteLedger(client, "w2", columns_of))
    assert flush(sink, [*rows[20:], rating("new", 4, 99)]) == 1
    assert sink.ledger.repaired == 1
    assert totals(client) == ((51, 154), (51, 154), (51, 154), 51)
    assert WriteLedger(client, "w3", columns_of).pending() == []


def test_a_block_recorded_but_never_sent_is_written_by_the_repair(client):
    """Killed after the ledger entry, before the insert: the repair writes the block."""
    rows = [rating(f"p{i}", 5, i) for i in range(5)]
    WriteLedger(client, "dead", columns_of).begin(block_of(rows))
    repaired = WriteLedger(client, "next", columns_of).repair()
    assert [len(b.lines) for b, _ in repaired] == [5]
    assert totals(client) == ((5, 25), (5, 25), (5, 25), 5)
    # Repairing again (another worker, another assignment) finds nothing pending.
    assert WriteLedger(client, "later", columns_of).repair() == []


def test_a_block_that_landed_whole_is_dropped_by_the_repair(client):
    """Killed after the insert returned, before it was marked done: nothing is added."""
    rows = [rating(f"w{i}", 2, i) for i in range(5)]
    block = block_of(rows)
    WriteLedger(client, "dead", columns_of).begin(block)
    assert insert(client, block) == []
    WriteLedger(client, "next", columns_of).repair()
    assert totals(client) == ((5, 10), (5, 10), (5, 10), 5)


def test_rows_the_warehouse_refuses_are_set_aside_and_the_rest_written(client):
    """Poison data: the warehouse's own refusal (a constraint here) isolates the rows that
    cause it; the good ones are written once, the batch never retried forever."""
    client.command("ALTER TABLE satisfaction_events ADD CONSTRAINT no_poison CHECK store_id != 'X'")
    errors = []
    sink = ClickHouseSink(client, SATISFACTION_EVENTS, on_error=errors.append)
    rows = [rating(f"g{i}", 3, i, store="X" if i in (3, 17) else "S1") for i in range(40)]
    for row in rows:
        sink.add(row)
    flushed = sink.flush()
    assert flushed.written == 38
    assert sorted(r[0][0] for r in flushed.refused) == ["g17", "g3"]
    assert all("no_poison" in reason and "469" in reason for _, reason in flushed.refused)
    assert {e.kind for e in errors} == {"data"}
    assert totals(client) == ((38, 114), (38, 114), (38, 114), 38)
    # The same batch again (a replay): the good rows are present, the bad refused again.
    for row in rows:
        sink.add(row)
    again = sink.flush()
    assert again.written == 0 and len(again.refused) == 2
    assert totals(client) == ((38, 114), (38, 114), (38, 114), 38)


def test_clickhouse_drops_a_retried_identical_block_in_every_view(client):
    """The mechanism underneath: an insert that landed but whose answer was lost."""
    block = block_of([rating("a", 5), rating("b", 2)])
    for _ in range(3):
        assert insert(client, block) == []
    assert totals(client) == ((2, 7), (2, 7), (2, 7), 2)


def letter(offset: int, cluster: str, value: bytes = b"{}", ms: int = 1) -> tuple:
    return dead_letter_row(
        DeadLetter.of(
            value,
            topic="complaints",
            partition=3,
            offset=offset,
            reason="text: empty",
            received_at=TS,
            cluster_id=cluster,
            key=b"S1",
            headers=[("trace", b"\x00\x01")],
            timestamp=datetime.fromtimestamp(ms / 1000, UTC),
        )
    )


def test_dead_letters_are_keyed_by_what_cannot_repeat(client):
    sink = ClickHouseSink(client, DEAD_LETTERS)
    assert flush(sink, [letter(41, "c1"), letter(41, "c1")]) == 1  # the same record twice
    assert flush(sink, [letter(41, "c1")]) == 0  # replayed after a crash
    # Offsets start again on a new broker or a recreated topic: not the same message.
    assert flush(sink, [letter(41, "c2"), letter(41, "c1", ms=2), letter(41, "c1", b"[]")]) == 3
    rows = client.query(
        "SELECT cluster_id, offset, key, headers FROM dead_letters ORDER BY cluster_id"
    ).result_rows
    assert len(rows) == 4
    assert rows[0][2:] == ("S1", [{"name": "trace", "value_base64": "AAE="}])  # as they came
