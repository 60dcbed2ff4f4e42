"""Reports: `gapwatch report gaps`."""

from __future__ import annotations

from contextlib import closing

import click

from pipeline.cli._root import main, settings
from pipeline.cli.analyst import SINCE, UNTIL, _window


@main.group()
def report() -> None:
    """Reports for managers."""


@report.command("gaps")
@click.option("--store", default="", help="One store only.")
@SINCE
@UNTIL
def gaps(store: str, since: str | None, until: str | None) -> None:
    """Per store: dominant gaps and dimensions, their trend, and the action the gaps model
    points to."""
    from rich.console import Console
    from rich.table import Table

    from pipeline.reports.gaps import gap_report
    from pipeline.warehouse import WarehouseError, connect

    window = _window(since, until)
    try:
        with closing(connect(settings().clickhouse_dsn)) as client:
            stores = gap_report(client, window["since"], window["until"], store)
    except WarehouseError as exc:
        raise click.ClickException(str(exc)) from None
    console = Console()
    console.print(
        f"Complaints by service-quality gap, {window['since']:%Y-%m-%d} to "
        f"{window['until']:%Y-%m-%d} (trend: second half against first)"
    )
    if not stores:
        console.print("no complaints in this period")
        return
    out = Table(header_style="bold", show_lines=True)
    for column in ("store", "complaints", "dominant gaps", "dimensions", "what to do"):
        out.add_column(column)
    for s in stores:
        gaps_text = "\n".join(
            f"{g.gap} {g.share:.0%} ({g.complaints}) {_arrow(g.trend)}" for g in s.gaps[:3]
        )
        dims_text = "\n".join(f"{d} ({n})" for d, n in s.dimensions[:2]) or "—"
        out.add_row(s.store_id, str(s.complaints), gaps_text, dims_text, s.action)
    console.print(out)


def _arrow(trend: float | None) -> str:
    if trend is None:
        return ""
    if abs(trend) < 0.05:
        return "→"
    return f"↑ +{trend * 100:.0f} pts" if trend > 0 else f"↓ {trend * 100:.0f} pts"
