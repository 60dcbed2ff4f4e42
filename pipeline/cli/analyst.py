"""Analysts' commands: read-only SQL, the query library, Parquet export."""

from __future__ import annotations

import re
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from pipeline.cli._root import FORMAT, emit, main, settings


def _when(value: str | None, default: datetime) -> datetime:
    if value is None:
        return default
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date or date-time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


SINCE = click.option(
    "--since",
    help="Start, ISO date or date-time (UTC unless an offset is given); default 90 days ago.",
)
UNTIL = click.option("--until", help="End (exclusive); default tomorrow.")


def _window(since: str | None, until: str | None) -> dict[str, datetime]:
    now = datetime.now(UTC).replace(microsecond=0)
    return {
        "since": _when(since, now - timedelta(days=90)),
        "until": _when(until, now + timedelta(days=1)),
    }


def _resolve(query: str, since: str | None, until: str | None) -> tuple[str, dict | None]:
    """A library query's name becomes its SQL with the time window; anything else is SQL."""
    from pipeline.warehouse.library import library

    known = library(settings().infra_dir / "clickhouse" / "queries")
    if query in known:
        return known[query].sql, _window(since, until)
    return query, None


def _errors() -> tuple[type[Exception], ...]:
    from pipeline.warehouse import WarehouseError
    from pipeline.warehouse.readonly import ReadOnlyError

    return ReadOnlyError, WarehouseError


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`", re.DOTALL)


def _one_statement(query: str) -> str:
    """The query without a trailing semicolon; two statements are refused, so each result
    keeps its own header."""
    body = query.strip().rstrip(";").strip()
    if ";" in _QUOTED.sub("''", body):
        raise click.UsageError("one statement at a time: run each query on its own")
    if not body:
        raise click.UsageError("the query is empty")
    return body


@main.command()
@click.argument("query")
@FORMAT
def sql(query: str, fmt: str) -> None:
    """Run a read-only QUERY (one statement) against the warehouse and print the result."""
    from pipeline.warehouse import connect
    from pipeline.warehouse.readonly import read

    query = _one_statement(query)
    try:
        with closing(connect(settings().clickhouse_dsn)) as client:
            columns, rows = read(client, query)
    except _errors() as exc:
        raise click.ClickException(str(exc)) from None
    emit(columns, rows, fmt)


@main.command()
@click.argument("name", required=False)
@SINCE
@UNTIL
@FORMAT
def query(name: str | None, since: str | None, until: str | None, fmt: str) -> None:
    """Run a query from the library by NAME; without NAME, list the library."""
    from pipeline.warehouse import connect
    from pipeline.warehouse.library import library
    from pipeline.warehouse.readonly import read

    known = library(settings().infra_dir / "clickhouse" / "queries")
    if name is None:
        emit(["name", "answers"], [(q.name, q.question) for q in known.values()], fmt)
        return
    if name not in known:
        raise click.BadParameter(f"no query {name!r}; known: {', '.join(known)}", param_hint="NAME")
    try:
        with closing(connect(settings().clickhouse_dsn)) as client:
            columns, rows = read(client, known[name].sql, _window(since, until))
    except _errors() as exc:
        raise click.ClickException(str(exc)) from None
    emit(columns, rows, fmt)


@main.command()
@click.argument("query")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, dir_okay=False))
@SINCE
@UNTIL
def export(query: str, out: Path, since: str | None, until: str | None) -> None:
    """Write the result of QUERY (SQL, or a library query's name) to a Parquet file."""
    import pyarrow.parquet as pq

    from pipeline.warehouse import connect
    from pipeline.warehouse.readonly import read_arrow

    sql_text, parameters = _resolve(query, since, until)
    try:
        with closing(connect(settings().clickhouse_dsn)) as client:
            table = read_arrow(client, sql_text, parameters)
    except _errors() as exc:
        raise click.ClickException(str(exc)) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out)
    click.echo(f"wrote {table.num_rows} rows × {table.num_columns} columns to {out}")
