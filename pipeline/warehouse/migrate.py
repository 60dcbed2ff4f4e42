"""Versioned schema migrations: infra/clickhouse/migrations/NNNN_name.sql, applied once each."""

from __future__ import annotations

import hashlib
import logging
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


def migrate(client: Client, folder: Path) -> list[Migration]:
    """Apply every migration not yet recorded; return those applied now."""
    client.command(_LEDGER)
    applied = {row[0] for row in client.query("SELECT version FROM schema_migrations").result_rows}
    done = []
    for migration in discover(folder):
        if migration.version in applied:
            continue
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
