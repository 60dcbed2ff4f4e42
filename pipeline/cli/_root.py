"""The root command group and what every subcommand shares."""

from __future__ import annotations

import csv
import logging
import sys
from collections.abc import Callable, Sequence
from contextlib import closing
from typing import TYPE_CHECKING, TypeVar

import click
import orjson

from pipeline.config import ConfigError, Settings

if TYPE_CHECKING:
    from clickhouse_connect.driver.client import Client

T = TypeVar("T")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """GapWatch: customer satisfaction and complaints by service-quality gap, live."""


def settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def with_warehouse(work: Callable[[Client], T], config: Settings | None = None) -> T:
    """Run `work` on a client of the configured warehouse, closed after; a warehouse that
    cannot be reached or refuses becomes a clear error, not a traceback."""
    from pipeline.warehouse import WarehouseError, connect

    dsn = (config or settings()).clickhouse_dsn
    try:
        with closing(connect(dsn)) as client:
            return work(client)
    except WarehouseError as exc:
        raise click.ClickException(str(exc)) from None


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="json prints one object per line.",
)


def emit(columns: Sequence[str], rows: Sequence[Sequence[object]], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt == "json":
        for row in rows:
            record = dict(zip(columns, row, strict=True))
            sys.stdout.buffer.write(orjson.dumps(record, default=str) + b"\n")
    else:
        from rich.console import Console

        from pipeline.demo.render import table

        Console().print(table(columns, rows))
