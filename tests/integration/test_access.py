"""Server-mode access SQL: valid ClickHouse, passwords only as hashes, never printed."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import Settings
from pipeline.warehouse import connect
from pipeline.warehouse.access import AccessError, access_statements

pytestmark = pytest.mark.integration
PASSWORDS = {
    "ch_writer_password": "writer-pw-0123456",
    "ch_analyst_password": "analyst-pw-012345",
    "ch_grafana_password": "grafana-pw-012345",
}


def test_every_statement_is_valid_clickhouse_sql(tmp_path):
    statements = access_statements(Settings().with_(**PASSWORDS), "gapwatch")
    client = connect(f"chdb://{tmp_path / 'chdb'}")
    try:
        for statement in statements:
            # ClickHouse's own parser: raises on a syntax error.
            client.query("SELECT formatQuery({q:String})", parameters={"q": statement})
    finally:
        client.close()
    text = "\n".join(statements)
    assert "GRANT SELECT ON gapwatch.* TO gapwatch_analyst" in text
    assert "max_execution_time = 30 CHANGEABLE_IN_READONLY" in text
    for password in PASSWORDS.values():
        assert password not in text
        assert hashlib.sha256(password.encode()).hexdigest() in text


def test_weak_or_missing_passwords_and_odd_database_names_are_refused():
    with pytest.raises(AccessError, match="GAPWATCH_CH_GRAFANA_PASSWORD"):
        access_statements(Settings().with_(**{**PASSWORDS, "ch_grafana_password": "short"}), "db")
    with pytest.raises(AccessError, match="not a plain identifier"):
        access_statements(Settings().with_(**PASSWORDS), "db; DROP TABLE x")


def test_passwords_never_reach_output_or_settings_repr():
    env = {f"GAPWATCH_{k.upper()}": v for k, v in PASSWORDS.items()}
    result = CliRunner().invoke(
        main, ["warehouse", "access", "--dry-run", "--database", "gw"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "BY '***'" in result.output
    for password in PASSWORDS.values():
        assert password not in result.output
        assert hashlib.sha256(password.encode()).hexdigest() not in result.output
        assert password not in repr(Settings.from_env(env))


def test_access_refuses_chdb_with_a_clear_message():
    env = {f"GAPWATCH_{k.upper()}": v for k, v in PASSWORDS.items()}
    result = CliRunner().invoke(main, ["warehouse", "access"], env=env)
    assert result.exit_code == 2 and "chDB has no access control" in result.output
