"""Rich renderings of warehouse results: plain tables, and the demo's live view of the last
minutes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from pipeline.gaps import NAMES
from pipeline.panels.formatting import NO_DATA

GAP_NAMES = {gap: names.demo for gap, names in NAMES.items()}


def _bar(share: float, width: int = 20) -> str:
    filled = round(max(0.0, min(1.0, share)) * width)
    return "█" * filled + "·" * (width - filled)


def satisfaction_table(by_store: list[dict], title: str = "Satisfaction by store") -> Table:
    out = Table(title=title, header_style="bold")
    for name in ("store", "ratings", "mean", "share 4–5", ""):
        out.add_column(name)
    for row in by_store:
        share = float(row["top2_share"])
        style = "red" if share < 0.5 else "yellow" if share < 0.65 else "green"
        out.add_row(
            row["store_id"],
            str(row["rating_count"]),
            f"{float(row['avg_score']):.2f}",
            f"[{style}]{share:.1%}[/]",
            f"[{style}]{_bar(share)}[/]",
        )
    return out


def gap_table(by_gap: list[dict], title: str = "Complaints by gap") -> Table:
    total = sum(int(r["complaint_count"]) for r in by_gap) or 1
    out = Table(title=title, header_style="bold")
    for name in ("gap", "complaints", ""):
        out.add_column(name)
    for row in by_gap:
        n = int(row["complaint_count"])
        out.add_row(GAP_NAMES.get(row["gap"], row["gap"]), str(n), _bar(n / total))
    return out


_TOPICS = ("satisfaction-events", "complaints", "complaint-updates")


def _per_second(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.1f} s"


def pipeline_table(
    rates: dict[str, dict[str, float]], worker: dict, recent: dict, rate_seconds: float
) -> Table:
    """Per input topic: rates over the last minute, lag, messages in flight, p95 latency and
    dead letters of the last minutes."""
    minutes = recent.get("minutes", 5)
    out = Table(title=f"Pipeline (rates over the last {rate_seconds:.0f} s)", header_style="bold")
    for name in (
        "topic",
        "received/s",
        "written/s",
        "lag",
        "in flight",
        f"p95 latency ({minutes} min)",
        f"dead letters ({minutes} min)",
    ):
        out.add_column(name, justify="left" if name == "topic" else "right")
    lag, in_flight = worker.get("lag", {}), worker.get("in_flight", {})
    latency, dead = recent.get("p95_latency_s", {}), recent.get("dead_letters", {})
    for topic in _TOPICS:
        rate = rates.get(topic, {})
        out.add_row(
            topic,
            _per_second(rate.get("received")),
            _per_second(rate.get("written")),
            f"{lag[topic]:,}" if topic in lag else "—",
            f"{in_flight.get(topic, 0):,}",
            _seconds(latency.get(topic)),
            f"{dead.get(topic, 0):,}",
        )
    return out


def alerts_table(recent: dict, zone: ZoneInfo) -> Table | Text:
    alerts = recent.get("newest_open_alerts", [])
    if not alerts:
        return Text("Open alerts: none", style="green")
    out = Table(
        title=f"Open alerts: {recent.get('open_alerts', len(alerts))} (newest first)",
        header_style="bold",
    )
    for name in ("opened", "kind", "scope", "store", "channel", "drop"):
        out.add_column(name)
    for a in alerts:
        opened = datetime.fromisoformat(a["opened_at"]).astimezone(zone)
        out.add_row(
            f"{opened:%m-%d %H:%M}",
            a["kind"],
            a["scope"],
            a["store_id"] or "—",
            a["channel"] or "—",
            "—" if a["drop"] is None else f"{float(a['drop']) * 100:.0f} pts",
            style="red",
        )
    return out


def _or_no_data(rows: list, render: Callable[[list], Table], title: str) -> Table | Text:
    return render(rows) if rows else Text(f"{title}: {NO_DATA}", style="dim")


def live_view(
    status: str,
    rates: dict[str, dict[str, float]],
    stats: dict,
    zone: ZoneInfo,
    rate_seconds: float,
) -> Group:
    """The demo's screen: what happened in the last minutes, times in `zone`."""
    worker, recent = stats.get("worker", {}), stats.get("warehouse", {}).get("recent", {})
    minutes = recent.get("minutes", 5)
    until = recent.get("until")
    now = datetime.fromisoformat(until) if until else datetime.now(UTC)
    undelivered = worker.get("alerts_undelivered")
    dead = sum(recent.get("dead_letters", {}).values())
    header = (
        f"{status}\n"
        f"as of [bold]{now.astimezone(zone):%H:%M:%S}[/] {zone.key}   "
        f"open alerts [bold]{recent.get('open_alerts', 0)}[/]"
        + (f" ({undelivered} not yet delivered)" if undelivered else "")
        + f"   dead letters in the last {minutes} min [bold]{dead:,}[/]"
    )
    by_store = f"Satisfaction by store, last {minutes} min"
    by_gap = f"Complaints by gap, last {minutes} min"
    return Group(
        Panel(header, title="GapWatch demo: the last minutes"),
        pipeline_table(rates, worker, recent, rate_seconds),
        alerts_table(recent, zone),
        _or_no_data(
            recent.get("by_store", []), lambda r: satisfaction_table(r, title=by_store), by_store
        ),
        _or_no_data(recent.get("by_gap", []), lambda r: gap_table(r, title=by_gap), by_gap),
    )
