from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from pipeline.config import PROJECT_ROOT
from pipeline.sinks import Backoff, ClickHouseSink, SinkStopped
from pipeline.warehouse import WarehouseError, connect, migrate, redact
from pipeline.warehouse.readonly import ReadOnlyError, read
from pipeline.warehouse.tables import PIPELINE_HEALTH, SATISFACTION_EVENTS, TABLES

pytestmark = pytest.mark.integration
MIGRATIONS = PROJECT_ROOT / "infra" / "clickhouse" / "migrations"


@pytest.fixture
def client(tmp_path):
    # One chDB engine per process: close it so the next test can open its own path.
    client = connect(f"chdb://{tmp_path / 'chdb'}")
    yield client
    client.close()


def rows(*scores: tuple[str, int, str]) -> list[tuple]:
    ts = datetime(2026, 11, 21, 3, 15, 20, tzinfo=UTC)
    return [
        (event_id, ts, store, "app", None, None, score, {}, {}, 0, i)
        for i, (event_id, score, store) in enumerate(scores)
    ]


def test_every_row_type_matches_its_table_after_the_migrations(client):
    """Columns are declared once, as the fields of a table's row type: the migrations must
    have made each of them, with that name."""
    migrate(client, MIGRATIONS)
    for table in [*TABLES.values(), PIPELINE_HEALTH]:
        made = {
            name
            for (name,) in client.query(
                "SELECT name FROM system.columns WHERE database = currentDatabase() "
                "AND table = {t:String}",
                parameters={"t": table.name},
            ).result_rows
        }
        assert set(table.row_columns) <= made, (table.name, set(table.row_columns) - made)


def test_migrations_apply_once_and_are_recorded(client):
    assert [m.version for m in migrate(client, MIGRATIONS)] == list(range(1, 12))
    assert migrate(client, MIGRATIONS) == []
    assert client.query(
        "SELECT version, name FROM schema_migrations ORDER BY version"
    ).result_rows == [
        (1, "base"),
        (2, "ingested_keys"),
        (3, "rollups"),
        (4, "alerts"),
        (5, "recovery"),
        (6, "health_and_review"),
        (7, "review_labels"),
        (8, "delivery"),
        (9, "contract_evolution"),
        (10, "alert_severity"),
        (11, "store_groups"),
    ]


def test_migrations_run_at_once_by_many_processes_apply_once(tmp_path, client):
    """Workers starting together each migrate: one applies, the others wait, and the
    backfills in the migrations (rollups from raw rows, the review queue) run once."""
    migrate(client, MIGRATIONS)
    client.insert(
        "satisfaction_events",
        rows(("a", 5, "S1"), ("b", 4, "S2")),
        column_names=list(SATISFACTION_EVENTS.columns),
    )
    # A migration that backfills: run by four clients at once, as four workers would.
    folder = tmp_path / "migrations"
    folder.mkdir()
    for m in MIGRATIONS.glob("*.sql"):
        (folder / m.name).write_text(m.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "0099_backfill.sql").write_text(
        "CREATE TABLE IF NOT EXISTS backfilled (event_id String) ENGINE = MergeTree "
        "ORDER BY event_id;\nINSERT INTO backfilled SELECT event_id FROM satisfaction_events;\n",
        encoding="utf-8",
    )
    clients = [connect(f"chdb://{tmp_path / 'chdb'}") for _ in range(4)]
    applied: list[list[int]] = []
    threads = [
        threading.Thread(
            target=lambda c=c: applied.append([m.version for m in migrate(c, folder, poll=0.05)])
        )
        for c in clients
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(applied) == [[], [], [], [99]]
    assert client.query("SELECT count() FROM backfilled").result_rows == [(2,)]
    assert client.query("SELECT count() FROM schema_migrations WHERE version = 99").result_rows == [
        (1,)
    ]


def test_rollups_follow_inserts_exactly(client):
    migrate(client, MIGRATIONS)
    client.insert(
        "satisfaction_events",
        rows(("a", 5, "S1"), ("b", 4, "S1"), ("c", 1, "S1"), ("d", 2, "S2")),
        column_names=list(SATISFACTION_EVENTS.columns),
    )
    result = client.query(
        "SELECT store_id, sum(ratings), sum(score_sum), sum(top2_ratings), min(bucket) "
        "FROM satisfaction_minute GROUP BY store_id ORDER BY store_id"
    ).result_rows
    assert result == [
        ("S1", 3, 10, 2, datetime(2026, 11, 21, 3, 15)),
        ("S2", 1, 2, 0, datetime(2026, 11, 21, 3, 15)),
    ]


@pytest.mark.parametrize(
    "query",
    [
        "INSERT INTO dead_letters (reason) VALUES ('x')",
        "DROP TABLE complaints",
        "CREATE TABLE t (a Int8) ENGINE=Memory",
        "SET max_threads = 1",
    ],
)
def test_sql_refuses_anything_but_reads_on_chdb(client, query):
    migrate(client, MIGRATIONS)
    with pytest.raises(ReadOnlyError, match="read-only queries only"):
        read(client, query)
    assert read(client, "SELECT count() FROM complaints") == (["count()"], [(0,)])


def test_sink_retries_until_the_table_accepts_the_batch(client, caplog):
    """A write that fails (here: the table does not exist yet) is retried, never dropped."""
    sink = ClickHouseSink(client, SATISFACTION_EVENTS, backoff=Backoff(first=0.05, ceiling=0.1))
    for row in rows(("a", 5, "S1"), ("b", 3, "S1")):
        sink.add((*row, 1, "{}"))  # an agent's row: schema_version and extra last
    done = threading.Event()
    threading.Thread(target=lambda: (sink.flush(), done.set()), daemon=True).start()
    time.sleep(0.3)
    assert not done.is_set() and len(sink) == 2
    migrate(client, MIGRATIONS)  # the warehouse "comes back"
    assert done.wait(10)
    assert client.query("SELECT count() FROM satisfaction_events").result_rows == [(2,)]
    assert "consuming is paused" in caplog.text and "succeeded after" in caplog.text


def test_sink_gives_up_only_when_stopping_and_keeps_the_rows(client):
    stopping = threading.Event()
    sink = ClickHouseSink(client, SATISFACTION_EVENTS, stopping, Backoff(first=0.05, ceiling=0.05))
    sink.add((*rows(("a", 5, "S1"))[0], 1, "{}"))
    threading.Timer(0.2, stopping.set).start()
    with pytest.raises(SinkStopped, match="will be replayed"):
        sink.flush()
    assert len(sink) == 1


def test_passwords_never_reach_error_messages():
    assert redact("http://writer:s3cret@ch:8123/db") == "http://writer:***@ch:8123/db"
    with pytest.raises(WarehouseError) as info:
        connect("ftp://writer:s3cret@ch/db")
    assert "s3cret" not in str(info.value)
