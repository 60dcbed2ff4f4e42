"""Versioned schema migrations: infra/clickhouse/migrations/NNNN_name.sql, applied once each."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from clickhouse_connect.driver.client import Client

log = logging.getLogger(__name__)

_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree ORDER BY version
"""
# Who applies a set of pending migrations: the first insert of a token wins, every later
# insert of the same token is dropped by ClickHouse's block deduplication, so reading the
# row back tells each migrator whether it holds the lock (a compare-and-set, no Keeper).
_LOCK = """
CREATE TABLE IF NOT EXISTS schema_lock (
    token String,
    holder String,
    taken_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree ORDER BY token
SETTINGS non_replicated_deduplication_window = 1000
"""


class MigrationLockTimeout(RuntimeError):
    """Another process holds the migration lock and has not finished."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]

    def statements(self) -> list[str]:
        # Our migrations end each statement with ';' at the end of a line.
        body = "\n".join(
            line for line in self.sql.splitlines() if not line.lstrip().startswith("--")
        )
        return [stmt.strip() for stmt in body.split(";\n") if stmt.strip().rstrip(";").strip()]


def discover(folder: Path) -> list[Migration]:
    migrations = []
    for path in sorted(folder.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        version = int(path.name[:4])
        migrations.append(Migration(version, path.stem[5:], path.read_text(encoding="utf-8")))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration versions in {folder}")
    return migrations


def migrate(
    client: Client, folder: Path, *, stale_after: float = 300.0, poll: float = 0.5
) -> list[Migration]:
    """Apply every migration not yet recorded; return those applied now.

    Safe to run from many processes at once (workers starting together, `warehouse
    migrate` beside them): one takes the lock and applies, the others wait until the
    versions are recorded. A holder that makes no progress for ``stale_after`` seconds is
    presumed dead and the lock is taken again under a new token.
    """
    migrations = discover(folder)
    # Reads first: an up-to-date warehouse is left untouched, so this also runs through a
    # worker's read-only connection (pipeline.agents.warehouse_proxy).
    if _has_ledger(client) and not _pending(client, migrations):
        return []
    client.command(_LEDGER)
    client.command(_LOCK)
    holder = uuid.uuid4().hex
    for attempt in range(1_000_000):
        pending = _pending(client, migrations)
        if not pending:
            return []
        token = "migrate:" + ",".join(str(m.version) for m in pending) + f":{attempt}"
        if _take(client, token, holder):
            return _apply(client, pending)
        log.info("another process is applying migrations; waiting for it")
        deadline = time.monotonic() + stale_after
        while time.monotonic() < deadline:
            time.sleep(poll)
            now_pending = _pending(client, migrations)
            if not now_pending:
                return []
            if len(now_pending) < len(pending):  # progress: the holder is alive
                pending, deadline = now_pending, time.monotonic() + stale_after
        log.warning(
            "the migration lock %s made no progress in %.0fs; taking it over", token, stale_after
        )
    raise MigrationLockTimeout("could not take the migration lock")


def _has_ledger(client: Client) -> bool:
    return bool(
        client.query(
            "SELECT count() FROM system.tables "
            "WHERE database = currentDatabase() AND name = 'schema_migrations'"
        ).result_rows[0][0]
    )


def _pending(client: Client, migrations: list[Migration]) -> list[Migration]:
    applied = {row[0] for row in client.query("SELECT version FROM schema_migrations").result_rows}
    return [m for m in migrations if m.version not in applied]


def _take(client: Client, token: str, holder: str) -> bool:
    client.insert(
        "schema_lock",
        [(token, holder)],
        column_names=["token", "holder"],
        settings={"insert_deduplication_token": token},
    )
    rows = client.query(
        "SELECT holder FROM schema_lock WHERE token = {token:String}", parameters={"token": token}
    ).result_rows
    return [r[0] for r in rows] == [holder]


def _apply(client: Client, pending: list[Migration]) -> list[Migration]:
    done = []
    for migration in pending:
        for statement in migration.statements():
            client.command(statement.rstrip(";"))
        client.insert(
            "schema_migrations",
            [[migration.version, migration.name, migration.checksum]],
            column_names=["version", "name", "checksum"],
        )
        log.info("applied migration %04d_%s", migration.version, migration.name)
        done.append(migration)
    return done
