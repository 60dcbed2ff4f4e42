"""Analysts' commands: read-only SQL, the query library, Parquet export."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from pipeline.cli._moments import window
from pipeline.cli._root import FORMAT, emit, main, settings, with_warehouse

SINCE = click.option(
    "--since",
    help="Start, ISO date or date-time, or a time of day (UTC unless an offset is given); "
    "default 90 days ago.",
)
UNTIL = click.option("--until", help="End (exclusive); default tomorrow.")


def _window(since: str | None, until: str | None) -> dict[str, datetime]:
    return window(since, until, ZoneInfo("UTC"))


def _resolve(query: str, since: str | None, until: str | None) -> tuple[str, dict | None]:
    """A library query's name becomes its SQL with the time window; anything else is SQL."""
    from pipeline.warehouse.library import library

    known = library(settings().infra_dir / "clickhouse" / "queries")
    if query in known:
        return known[query].sql, _window(since, until)
    return query, None


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
    from pipeline.warehouse.readonly import read

    query = _one_statement(query)
    columns, rows = with_warehouse(lambda client: read(client, query))
    emit(columns, rows, fmt)


@main.command()
@click.argument("name", required=False)
@SINCE
@UNTIL
@FORMAT
def query(name: str | None, since: str | None, until: str | None, fmt: str) -> None:
    """Run a query from the library by NAME; without NAME, list the library."""
    from pipeline.warehouse.library import library
    from pipeline.warehouse.readonly import read

    known = library(settings().infra_dir / "clickhouse" / "queries")
    if name is None:
        emit(["name", "answers"], [(q.name, q.question) for q in known.values()], fmt)
        return
    if name not in known:
        raise click.BadParameter(f"no query {name!r}; known: {', '.join(known)}", param_hint="NAME")
    parameters = _window(since, until)
    columns, rows = with_warehouse(lambda client: read(client, known[name].sql, parameters))
    emit(columns, rows, fmt)


@main.command()
@click.argument("query")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, dir_okay=False))
@SINCE
@UNTIL
def export(query: str, out: Path, since: str | None, until: str | None) -> None:
    """Write the result of QUERY (SQL, or a library query's name) to a Parquet file."""
    import pyarrow.parquet as pq

    from pipeline.warehouse.readonly import read_arrow

    sql_text, parameters = _resolve(query, since, until)
    table = with_warehouse(lambda client: read_arrow(client, sql_text, parameters))
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out)
    click.echo(f"wrote {table.num_rows} rows × {table.num_columns} columns to {out}")
