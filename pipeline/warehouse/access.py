"""Server-mode roles and users from infra/clickhouse/access/, passwords only as hashes."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pipeline.config import Secret, Settings
from pipeline.warehouse.migrate import Migration

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class AccessError(ValueError):
    pass


def _sha256(secret: Secret, variable: str) -> str:
    password = secret.reveal()
    if len(password) < 12:
        raise AccessError(f"{variable} must be set to a password of at least 12 characters")
    return hashlib.sha256(password.encode()).hexdigest()


def access_statements(settings: Settings, database: str) -> list[str]:
    """Every statement to run, in order; passwords appear only as SHA-256 hashes."""
    if not _IDENTIFIER.match(database):
        raise AccessError(f"database name {database!r} is not a plain identifier")
    values = {
        "database": database,
        "writer_sha256": _sha256(settings.warehouse.writer_password, "GAPWATCH_CH_WRITER_PASSWORD"),
        "analyst_sha256": _sha256(
            settings.warehouse.analyst_password, "GAPWATCH_CH_ANALYST_PASSWORD"
        ),
        "grafana_sha256": _sha256(
            settings.warehouse.grafana_password, "GAPWATCH_CH_GRAFANA_PASSWORD"
        ),
    }
    folder: Path = settings.infra_dir / "clickhouse" / "access"
    statements = []
    for name in ("roles.sql", "users.sql"):
        sql = (folder / name).read_text(encoding="utf-8")
        for statement in Migration(0, name, sql).statements():
            statements.append(statement.rstrip(";").format(**values))
    return statements
