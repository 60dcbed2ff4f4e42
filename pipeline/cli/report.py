"""Reports: `gapwatch report` (the dashboards as a static page) and `gapwatch report gaps`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from pipeline.cli._moments import moments, parse_moment
from pipeline.cli._root import main, settings, with_warehouse

__all__ = ["gaps", "parse_moment", "report"]

if TYPE_CHECKING:
    from clickhouse_connect.driver.client import Client
    from rich.table import Table

    from pipeline.reports.gaps import StoreGaps

_WHEN = (
    "ISO date or date-time, or a time of day such as 21:55 (today); in GAPWATCH_TIMEZONE "
    "unless an offset is given"
)


@main.group(invoke_without_command=True)
@click.option(
    "--since", "since_", help=f"Start: {_WHEN}. Default: the first data of the last 24 h."
)
@click.option("--until", "until_", help="End, as --since. Default: the last data, or now.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write.",
)
@click.pass_context
def report(ctx: click.Context, since_: str | None, until_: str | None, out: Path) -> None:
    """The ops and analyst dashboards as one static HTML page with charts, from the same SQL
    as Grafana's panels, times in GAPWATCH_TIMEZONE. Subcommands: other reports."""
    if ctx.invoked_subcommand is not None:
        return
    from pipeline.panels.formatting import local
    from pipeline.panels.html_report import write_report
    from pipeline.panels.report_range import fitted_range

    config = settings()
    now = datetime.now(UTC).replace(microsecond=0)
    asked = moments(since_, until_, config.web.zone, now)

    def write(client: Client) -> tuple[datetime, datetime, int]:
        since, until = fitted_range(client, *asked, now)
        with_data = write_report(client, config.infra_dir, since, until, out, config.web.timezone)
        return since, until, with_data

    since, until, with_data = with_warehouse(write, config)
    zone = config.web.zone
    click.echo(
        f"wrote {out} ({with_data} panels with data) for "
        f"{local(since, zone):%Y-%m-%d %H:%M} – {local(until, zone):%Y-%m-%d %H:%M} "
        f"{config.web.timezone}"
    )


@report.command("gaps")
@click.option("--store", default="", help="One store only.")
@click.option("--since", help=f"Start: {_WHEN}. Default: the first complaint of the last 90 days.")
@click.option("--until", help="End (exclusive), as --since. Default: just after the last one.")
def gaps(store: str, since: str | None, until: str | None) -> None:
    """Per store: dominant gaps and dimensions, their trend (second half of the period
    against the first), and the action the gaps model points to."""
    from rich.console import Console

    from pipeline.panels.formatting import as_utc
    from pipeline.reports.gaps import complaint_extent, gap_report, middle_of

    config = settings()
    now = datetime.now(UTC).replace(microsecond=0)
    start, end = moments(since, until, config.web.zone, now)

    def run(client: Client) -> tuple[datetime, datetime, list[StoreGaps]]:
        lo, hi = start or now - timedelta(days=90), end or now + timedelta(seconds=1)
        extent = None if start and end else complaint_extent(client, lo, hi)
        if extent:  # a default end fits the data, so the halves split the data's time
            lo = start or as_utc(extent[0]).replace(microsecond=0)
            hi = end or as_utc(extent[1]).replace(microsecond=0) + timedelta(seconds=1)
        return lo, hi, gap_report(client, lo, hi, store)

    lo, hi, stores = with_warehouse(run, config)
    console = Console()
    console.print(_header(lo, middle_of(lo, hi), hi, config.web.zone))
    if not stores:
        console.print("No complaints in this period.")
        return
    console.print(gaps_table(stores))


def _header(since: datetime, middle: datetime, until: datetime, zone: ZoneInfo) -> str:
    from pipeline.panels.formatting import local, zone_label

    def at(moment: datetime) -> str:
        return f"{local(moment, zone):%Y-%m-%d %H:%M:%S}"

    return (
        f"Complaints by service-quality gap, {at(since)} to {at(until)} ({zone_label(zone, until)})"
        f"\ntrend: {at(middle)} to {at(until)} against {at(since)} to {at(middle)}"
    )


def gaps_table(stores: list[StoreGaps]) -> Table:
    from rich.table import Table

    out = Table(header_style="bold", show_lines=True)
    for column in ("store", "complaints", "trend", "dominant gaps", "dimensions", "what to do"):
        out.add_column(column)
    for s in stores:
        first, second = s.halves
        gaps_text = "\n".join(
            f"{g.gap} {g.share:.0%} ({g.complaints}) {_arrow(g.trend)}" for g in s.gaps[:3]
        )
        dims_text = "\n".join(f"{d} ({n})" for d, n in s.dimensions[:2]) or "—"
        halves = f"{first} → {second}"
        out.add_row(s.store_id, str(s.complaints), halves, gaps_text, dims_text, s.action)
    return out


def _arrow(trend: float | None) -> str:
    if trend is None:
        return "(one half only)"
    if abs(trend) < 0.05:
        return "→ steady"
    return f"↑ +{trend * 100:.0f} pts" if trend > 0 else f"↓ {trend * 100:.0f} pts"
