"""Unknown fields and schema_version in the warehouse: kept rows land with them, rows keep
their keys, and rows and ledger blocks from before migration 0009 read and repair exactly."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

import orjson
import pytest

from pipeline.agents.batch import (
    Message,
    accept_complaints,
    complaint_rows,
    complaint_update_batch,
    satisfaction_batch,
)
from pipeline.classifier import Prediction
from pipeline.config import PROJECT_ROOT
from pipeline.contracts import Limits
from pipeline.sinks import ClickHouseSink, WriteLedger
from pipeline.sinks.block import Block, encode, token_for
from pipeline.warehouse import connect, migrate
from pipeline.warehouse.tables import (
    COMPLAINT_UPDATES,
    COMPLAINTS,
    SATISFACTION_EVENTS,
    columns_of,
)

pytestmark = pytest.mark.integration
MIGRATIONS = PROJECT_ROOT / "infra" / "clickhouse" / "migrations"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TS = "2026-11-21T11:00:00Z"


@pytest.fixture
def client(tmp_path):
    client = connect(f"chdb://{tmp_path / 'chdb'}")
    yield client
    client.close()


def rating(event_id: str, offset: int, **more: object) -> Message:
    value = {"event_id": event_id, "ts": TS, "store_id": "S1", "channel": "app", "score": 4}
    # The standard library writes integers of any size, as some producers do.
    return Message("satisfaction-events", 0, offset, json.dumps({**value, **more}).encode())


def write(client, table, rows: list[tuple]) -> int:
    sink = ClickHouseSink(client, table)
    for row in rows:
        sink.add(row)
    return sink.flush().written


def test_rows_with_unknown_fields_land_with_them_and_keep_their_keys(client):
    migrate(client, MIGRATIONS)
    big = 123456789012345678901234567890
    outcome = satisfaction_batch(
        [
            rating(
                "e1", 0, loyalty_tier="gold", app={"v": "5.2.1", "build": big}, schema_version=2
            ),
            rating("e2", 1),
        ],
        Limits(),
        NOW,
    )
    assert write(client, SATISFACTION_EVENTS, outcome.rows) == 2
    rows = client.query(
        "SELECT event_id, schema_version, extra, JSONExtractString(extra, 'loyalty_tier'), "
        "JSONExtractString(extra, 'app', 'v') FROM satisfaction_events ORDER BY event_id"
    ).result_rows
    assert [r[:2] + r[3:] for r in rows] == [("e1", 2, "gold", "5.2.1"), ("e2", 1, "", "")]
    # Stored by value: every digit of the large integer, read back by the same JSON parser.
    assert orjson.loads(rows[1][2]) == {} and rows[0][2].endswith(f'"build":{big}}}}}')
    # Identified as before: the key view holds the event ids, a replay adds nothing.
    keys = client.query(
        "SELECT key FROM ingested_keys FINAL WHERE tbl = 'satisfaction_events' ORDER BY key"
    ).result_rows
    assert keys == [("e1",), ("e2",)]
    assert write(client, SATISFACTION_EVENTS, outcome.rows) == 0
    assert client.query("SELECT sum(ratings) FROM satisfaction_minute").result_rows == [(2,)]


def test_complaints_and_updates_land_with_their_unknown_fields(client):
    migrate(client, MIGRATIONS)
    complaint = {"complaint_id": "c1", "ts": TS, "store_id": "S1", "channel": "app"}
    raw = orjson.dumps({**complaint, "text": "等了三天", "photo_count": 2})
    accepted, _ = accept_complaints([Message("complaints", 0, 0, raw)], Limits(), NOW)
    prediction = Prediction("gap3_delivery", 0.9, "assurance", 0.8, "v", ("等",))
    assert write(client, COMPLAINTS, complaint_rows(accepted, [prediction], Limits())) == 1
    update = {"complaint_id": "c1", "ts": TS, "status": "acknowledged", "desk": "north"}
    outcome = complaint_update_batch(
        [Message("complaint-updates", 0, 0, orjson.dumps(update))], Limits(), NOW
    )
    assert write(client, COMPLAINT_UPDATES, outcome.rows) == 1
    assert client.query(
        "SELECT JSONExtractInt(extra, 'photo_count'), schema_version FROM complaints"
    ).result_rows == [(2, 1)]
    assert client.query(
        "SELECT JSONExtractString(extra, 'desk'), key FROM complaint_updates "
        "JOIN ingested_keys ON tbl = 'complaint_updates'"
    ).result_rows == [("north", "c1|acknowledged|1795258800000")]


def old_rating(event_id: str, offset: int) -> tuple:
    """A row as agents wrote it before migration 0009: no schema_version, no extra."""
    ts = datetime(2026, 11, 21, 11, tzinfo=UTC)
    return (event_id, ts, "S1", "app", None, None, 3, {}, {}, 0, offset)


def test_rows_from_before_the_migration_read_as_version_1_with_nothing_kept(client, tmp_path):
    before = tmp_path / "before"
    before.mkdir()
    for path in MIGRATIONS.glob("000[1-8]_*.sql"):
        shutil.copy(path, before)
    migrate(client, before)
    client.insert(
        "satisfaction_events",
        [old_rating("old", 0)],
        column_names=list(SATISFACTION_EVENTS.columns),
    )
    assert [m.version for m in migrate(client, MIGRATIONS)] == list(range(9, 12))
    assert client.query(
        "SELECT event_id, schema_version, extra FROM satisfaction_events"
    ).result_rows == [("old", 1, "{}")]


def test_a_block_pending_from_before_the_migration_is_repaired_after_it(client):
    """A worker killed mid-write just before an upgrade left a block of the old, shorter
    rows in the ledger; the upgraded worker's repair completes them with the defaults."""
    migrate(client, MIGRATIONS)
    rows = [old_rating(f"p{i}", i) for i in range(4)]
    lines, refused = encode(rows)
    assert refused == []
    block = Block(
        SATISFACTION_EVENTS.name,
        SATISFACTION_EVENTS.columns,  # the column list of the old worker
        token_for(SATISFACTION_EVENTS.name, [SATISFACTION_EVENTS.key(r) for r in rows]),
        tuple(lines),
    )
    WriteLedger(client, "old-worker", columns_of).begin(block)
    repaired = WriteLedger(client, "new-worker", columns_of).repair()
    assert [(len(b.lines), refused) for b, refused in repaired] == [(4, [])]
    assert client.query(
        "SELECT count(), sum(schema_version), countIf(extra = '{}') FROM satisfaction_events"
    ).result_rows == [(4, 4, 4)]
    assert client.query("SELECT sum(ratings) FROM satisfaction_minute").result_rows == [(4,)]
