"""Reports: `gapwatch report` (the dashboards as a static page) and `gapwatch report gaps`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from pipeline.cli._root import main, settings, with_warehouse
from pipeline.cli.analyst import SINCE, UNTIL, _when, _window


@main.group(invoke_without_command=True)
@click.option(
    "--since", "since_", help="Start (ISO, UTC unless an offset is given); default 24 h ago."
)
@click.option("--until", "until_", help="End; default now.")
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
    as Grafana's panels. Subcommands: other reports."""
    if ctx.invoked_subcommand is not None:
        return
    from pipeline.panels.html_report import write_report

    now = datetime.now(UTC).replace(microsecond=0)
    until = _when(until_, now)
    since = _when(since_, until - timedelta(hours=24))
    if since >= until:
        raise click.BadParameter("--since must be before --until")
    config = settings()
    with_data = with_warehouse(
        lambda client: write_report(client, config.infra_dir, since, until, out), config
    )
    click.echo(f"wrote {out} ({with_data} panels with data)")


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

    window = _window(since, until)
    stores = with_warehouse(
        lambda client: gap_report(client, window["since"], window["until"], store)
    )
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
