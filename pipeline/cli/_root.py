"""The root command group and what every subcommand shares."""

from __future__ import annotations

import csv
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import closing
from typing import TYPE_CHECKING, TypeVar

import click
import orjson

from pipeline.config import ConfigError, Settings

if TYPE_CHECKING:
    from clickhouse_connect.driver.client import Client
    from rich.console import Console

T = TypeVar("T")


class _Root(click.Group):
    """Errors print as one line a person can act on; a traceback only with --debug or
    GAPWATCH_LOG_LEVEL=debug."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort, click.ClickException, KeyboardInterrupt):
            raise
        except Exception as exc:
            if _debugging(ctx):
                raise
            raise click.ClickException(one_line(exc)) from None


def _debugging(ctx: click.Context) -> bool:
    return bool(ctx.obj and ctx.obj.get("debug")) or (
        os.environ.get("GAPWATCH_LOG_LEVEL", "").lower() == "debug"
    )


def one_line(exc: BaseException) -> str:
    """The exception as one line: our own errors already read as sentences; anything else
    names its type and points at --debug."""
    from pipeline.errors import explain

    known = explain(exc)
    if known is not None:
        return known
    text = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), "")
    return f"{type(exc).__name__}: {text[:300]} (rerun with --debug for the traceback)"


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gapwatch", prog_name="gapwatch")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """GapWatch: customer satisfaction and complaints by service-quality gap, live."""
    ctx.obj = {"debug": debug}


def settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def with_warehouse(
    work: Callable[[Client], T], config: Settings | None = None, *, migrated: bool = False
) -> T:
    """Run `work` on a client of the configured warehouse, closed after; a warehouse that
    cannot be reached or refuses, or a statement that is not read-only, becomes a clear
    error, not a traceback. ``migrated``: apply pending migrations first (a command that
    writes or reads the operators' tables may come before any worker)."""
    from pipeline.warehouse import WarehouseError, connect, migrate
    from pipeline.warehouse.readonly import ReadOnlyError

    config = config or settings()
    try:
        with closing(connect(config.warehouse.dsn)) as client:
            if migrated:
                migrate(client, config.infra_dir / "clickhouse" / "migrations")
            return work(client)
    except (WarehouseError, ReadOnlyError) as exc:
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
        from pipeline.terminal import table

        if not rows:
            # chDB names no columns for an empty result; a server does.
            click.echo(f"(no rows; columns: {', '.join(columns)})" if columns else "(no rows)")
            return
        console().print(table(columns, rows))


def console(stderr: bool = False) -> Console:
    """Rich's console; piped into a file or another program it is as wide as the content
    needs rather than 80 columns, so no cell is cut."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=100_000, soft_wrap=True)
