"""Alerting: measure the detector, and run it over history before going live."""

from __future__ import annotations

from typing import BinaryIO, TextIO

import click

from pipeline.cli._root import console as rich_console
from pipeline.cli._root import main, settings


@main.group()
def alerts() -> None:
    """Alerts on satisfaction drops."""


@alerts.command("evaluate")
@click.option(
    "--seeds", default="7,8,9,10,11", show_default=True, help="Comma-separated random seeds."
)
@click.option("--stores", default=40, show_default=True, help="Drops per cell and seed.")
@click.option(
    "--chain", default=200, show_default=True, help="Regular stores in the false-alert chain."
)
def evaluate_command(seeds: str, stores: int, chain: int) -> None:
    """Measure the real detector: its delay on sudden drops against B, the optimum (the
    exact optimal CUSUM's mean delay at one false alert per 100 store-days), cell by cell;
    its false alerts on a chain of stores with daily rhythm and day-to-day wander; and a new
    store's first drop after 14 hours of history."""
    from rich.progress import Progress

    from pipeline.alerting import DetectorConfig
    from pipeline.alerting.evaluation import evaluate, report

    config = settings()
    detector = DetectorConfig(
        open_evidence=config.alerting.evidence, min_ratings=config.alerting.min_ratings
    )
    seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    console = rich_console()
    with Progress(transient=True, console=console) as progress:
        task = progress.add_task("measuring", total=None)
        result = evaluate(
            seed_list,
            stores,
            detector,
            lambda step: progress.update(task, description=step),
            regular=chain,
        )
    for renderable in report(result):
        console.print(renderable)


@alerts.command("backtest")
@click.argument("events", type=click.File("rb"))
@click.option("--evidence", type=float, help="Overrides GAPWATCH_ALERT_EVIDENCE.")
@click.option("--min-ratings", type=int, help="Overrides GAPWATCH_ALERT_MIN_RATINGS.")
@click.option(
    "--stores",
    type=click.File("r", encoding="utf-8"),
    help="The store directory (CSV: store_id,region,brand), for region and brand scopes.",
)
def backtest_command(
    events: BinaryIO, evidence: float | None, min_ratings: int | None, stores: TextIO | None
) -> None:
    """Run the live detector over EVENTS (JSON lines in the satisfaction-events contract, or
    - for standard input) on event time, and print the alerts it would have raised as JSON
    lines with the alerts table's fields. A summary goes to standard error."""
    import orjson

    from pipeline.warehouse.stores import DirectoryError, parse_csv

    try:
        directory = parse_csv(stores.read()) if stores else None
    except DirectoryError as exc:
        raise click.BadParameter(str(exc), param_hint="--stores") from None

    from pipeline.alerting import DetectorConfig
    from pipeline.alerting.backtest import as_line, backtest

    config = settings()
    detector = DetectorConfig(
        open_evidence=config.alerting.evidence if evidence is None else evidence,
        min_ratings=config.alerting.min_ratings if min_ratings is None else min_ratings,
    )
    result = backtest(events, detector, directory)
    out = click.get_binary_stream("stdout")
    for record in result.alerts:
        out.write(orjson.dumps(as_line(record), option=orjson.OPT_APPEND_NEWLINE))
    out.flush()
    opened = sum(r.state == "open" for r in result.alerts)
    span = (
        f" from {result.first:%Y-%m-%d %H:%M} to {result.last:%Y-%m-%d %H:%M} UTC"
        if result.first and result.last
        else ""
    )
    click.echo(
        f"{result.events} events{span}; {opened} alerts opened, "
        f"{len(result.alerts) - opened} resolved; {result.duplicates} duplicate event ids "
        f"skipped; {sum(result.rejected.values())} lines rejected",
        err=True,
    )
    for reason, count in list(result.rejected.items())[:10]:
        click.echo(f"  rejected {reason}" + (f" (×{count})" if count > 1 else ""), err=True)
