"""Rich renderings of warehouse results: plain tables, and the demo's live view."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.panel import Panel
from rich.table import Table

GAP_NAMES = {
    "gap1_knowledge": "1 knowledge 认知",
    "gap2_standards": "2 standards 标准",
    "gap3_delivery": "3 delivery 交付",
    "gap4_communication": "4 communication 宣传",
    "gap5_perception": "5 perception 感知",
    "not_complaint": "not a complaint",
}


def table(
    columns: Sequence[str], rows: Sequence[Sequence[object]], title: str | None = None
) -> Table:
    out = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        out.add_column(column)
    for row in rows:
        out.add_row(*("" if v is None else str(v) for v in row))
    return out


def _bar(share: float, width: int = 20) -> str:
    filled = round(max(0.0, min(1.0, share)) * width)
    return "█" * filled + "·" * (width - filled)


def satisfaction_table(by_store: list[dict]) -> Table:
    out = Table(title="Satisfaction by store", header_style="bold")
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


def gap_table(by_gap: list[dict]) -> Table:
    total = sum(int(r["complaint_count"]) for r in by_gap) or 1
    out = Table(title="Complaints by gap", header_style="bold")
    for name in ("gap", "complaints", ""):
        out.add_column(name)
    for row in by_gap:
        n = int(row["complaint_count"])
        out.add_row(GAP_NAMES.get(row["gap"], row["gap"]), str(n), _bar(n / total))
    return out


def live_view(status: str, rates: dict[str, float], warehouse: dict) -> Group:
    counts = warehouse.get("counts", {})
    header = (
        f"{status}\n"
        f"events/s [bold]{rates.get('satisfaction-events', 0):,.0f}[/]   "
        f"complaints/s [bold]{rates.get('complaints', 0):,.0f}[/]   "
        f"in ClickHouse: {counts.get('satisfaction_events', 0):,} events, "
        f"{counts.get('complaints', 0):,} complaints, "
        f"{counts.get('dead_letters', 0):,} dead letters"
    )
    return Group(
        Panel(header, title="GapWatch demo"),
        satisfaction_table(warehouse.get("by_store", [])),
        gap_table(warehouse.get("by_gap", [])),
    )
