"""Operating the warehouse: migrations and retention, server-mode access."""

from __future__ import annotations

from contextlib import closing
from urllib.parse import urlsplit

import click

from pipeline.cli._root import main, settings, with_warehouse


@main.group()
def warehouse() -> None:
    """Set up and operate the ClickHouse warehouse."""


@warehouse.command()
def migrate() -> None:
    """Apply pending schema migrations and retention (TTL) settings; safe to repeat."""
    from pipeline.warehouse import redact
    from pipeline.warehouse.setup import prepare_warehouse

    config = settings()
    report = with_warehouse(lambda client: prepare_warehouse(client, config), config)
    click.echo(f"warehouse {redact(config.warehouse.dsn)}")
    for migration in report.migrations:
        click.echo(f"  applied {migration.version:04d}_{migration.name}")
    if not report.migrations:
        click.echo("  schema up to date")
    if report.retention_changed:
        click.echo(f"  retention set on {', '.join(report.retention_changed)}")
    if report.review_threshold_set is not None:
        click.echo(f"  review threshold set to {report.review_threshold_set}")


@warehouse.command()
@click.option("--dry-run", is_flag=True, help="Print the statements (hashes masked) instead.")
@click.option("--database", default=None, help="Database to grant on (default: the DSN's).")
def access(dry_run: bool, database: str | None) -> None:
    """Create the writer, analyst and Grafana roles and users on a ClickHouse server."""
    from pipeline.warehouse import WarehouseError, connect
    from pipeline.warehouse.access import AccessError, access_statements

    config = settings()
    parts = urlsplit(config.warehouse.dsn)
    if parts.scheme == "chdb" and not dry_run:
        raise click.UsageError("chDB has no access control: roles and users are for server mode")
    if database is None:
        database = "default" if parts.scheme == "chdb" else parts.path.strip("/") or "default"
    try:
        statements = access_statements(config, database)
    except AccessError as exc:
        raise click.UsageError(str(exc)) from None
    if dry_run:
        for statement in statements:
            click.echo(_mask(statement) + ";")
        return
    try:
        with closing(connect(config.warehouse.dsn)) as client:
            for statement in statements:
                client.command(statement)
    except WarehouseError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # a server's refusal; its text never holds our passwords
        raise click.ClickException(
            f"access setup failed: {str(exc).splitlines()[0][:300]}"
        ) from None
    click.echo(f"applied {len(statements)} access statements to database {database}")


def _mask(statement: str) -> str:
    import re

    return re.sub(r"BY '[0-9a-f]{64}'", "BY '***'", statement)
