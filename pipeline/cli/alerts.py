"""Alerting: evaluate the detector on scenarios with known drops."""

from __future__ import annotations

from datetime import timedelta
from typing import BinaryIO

import click

from pipeline.cli._root import main, settings


@main.group()
def alerts() -> None:
    """Alerts on satisfaction drops."""


@alerts.command("evaluate")
@click.option("--seed", default=7, show_default=True)
@click.option("--days", default=14, show_default=True)
def evaluate_command(seed: int, days: int) -> None:
    """Inject known drops into simulated stores and report how the real detector does."""
    from rich.table import Table

    from pipeline.alerting import DetectorConfig
    from pipeline.alerting.harness import evaluate
    from pipeline.cli._root import console as rich_console

    config = settings()
    detector = DetectorConfig(
        open_evidence=config.alerting.evidence, min_ratings=config.alerting.min_ratings
    )
    with rich_console().status("running scenarios through the detector…"):
        result = evaluate(seed=seed, days=days, config=detector)
    out = Table(title=f"Injected drops (seed {seed}, {days} days)", header_style="bold")
    for column in ("scenario", "store", "ratings/h", "drop", "shape", "detected after", "≤ 30 min"):
        out.add_column(column)
    for r in result.drops:
        drop = r.store.drop
        assert drop is not None
        delay = r.delay
        shape = "sudden" if not drop.ramp else f"over {drop.ramp / timedelta(hours=1):.0f} h"
        within = delay is not None and delay <= timedelta(minutes=30)
        out.add_row(
            r.store.scenario,
            r.store.store_id,
            f"{r.store.per_hour:.0f}",
            f"{drop.size:.0%}",
            shape,
            "not detected" if delay is None else f"{delay / timedelta(minutes=1):.0f} min",
            "[green]yes[/]" if within else "[red]no[/]",
        )
    console = rich_console()
    console.print(out)
    console.print(
        f"false alerts: {result.false_alerts} in {result.store_days:.0f} store-days = "
        f"[bold]{result.false_per_100_store_days:.2f} per 100 store-days[/] "
        f"(stores without drops, and outside each injected drop)"
    )


@alerts.command("optimum")
@click.option("--stores", default=200, show_default=True, help="Drops per cell.")
@click.option("--seed", default=7, show_default=True)
def optimum_command(stores: int, seed: int) -> None:
    """The detector against the optimum: per rate and drop size, B (the exact optimal
    Bernoulli CUSUM's mean delay at one false alert per 100 store-days) and the real
    detector's median and p90 delay as multiples of B, with the share of drops alerted
    within 16 hours."""
    from rich.progress import Progress

    from pipeline.alerting import DetectorConfig
    from pipeline.alerting.cells import grid
    from pipeline.cli._root import console as rich_console
    from pipeline.terminal import table

    config = settings()
    detector = DetectorConfig(
        open_evidence=config.alerting.evidence, min_ratings=config.alerting.min_ratings
    )
    console = rich_console()
    with Progress(transient=True, console=console) as progress:
        task = progress.add_task("measuring", total=None)
        cells = grid(
            (20, 40, 80, 160, 320, 640),
            (0.10, 0.15, 0.25),
            stores,
            seed,
            detector,
            lambda step: progress.update(task, description=step),
        )

    def times(value: float | None) -> str:
        return "never" if value is None else f"{value:.1f}×"

    rows = [
        (
            f"{c.drop:.0%}",
            f"{c.rate:g}",
            f"{c.b_minutes:.0f}",
            times(c.quantile_of_b(0.5)),
            times(c.quantile_of_b(0.9)),
            f"{c.coverage:.0%}",
        )
        for c in cells
    ]
    console.print(
        table(
            ["drop", "ratings/h", "B (min)", "median / B", "p90 / B", "alerted ≤ 16 h"],
            rows,
            title=f"the detector against the optimum ({stores} drops per cell, seed {seed})",
        )
    )


@alerts.command("backtest")
@click.argument("events", type=click.File("rb"))
@click.option("--evidence", type=float, help="Overrides GAPWATCH_ALERT_EVIDENCE.")
@click.option("--min-ratings", type=int, help="Overrides GAPWATCH_ALERT_MIN_RATINGS.")
def backtest_command(events: BinaryIO, evidence: float | None, min_ratings: int | None) -> None:
    """Run the live detector over EVENTS (JSON lines in the satisfaction-events contract, or
    - for standard input) on event time, and print the alerts it would have raised as JSON
    lines with the alerts table's fields. A summary goes to standard error."""
    import orjson

    from pipeline.alerting import DetectorConfig
    from pipeline.alerting.backtest import as_line, backtest

    config = settings()
    detector = DetectorConfig(
        open_evidence=config.alerting.evidence if evidence is None else evidence,
        min_ratings=config.alerting.min_ratings if min_ratings is None else min_ratings,
    )
    result = backtest(events, detector)
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
