"""Run dashboard SQL against a warehouse, macros and variables expanded as Grafana would,
read-only as Grafana's own user is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clickhouse_connect.driver.client import Client

from pipeline.panels.spec import Dashboard, Panel
from pipeline.panels.sql import TimeRange, expand
from pipeline.warehouse.readonly import READ_ONLY


@dataclass(frozen=True)
class PanelResult:
    panel_id: int
    panel: Panel
    sql: str  # as run
    columns: tuple[str, ...]
    rows: list[Sequence[Any]]
    interval_s: int = 60  # of its time buckets, as $__interval_s was


def columns_of(client: Client, sql: str) -> tuple[str, ...]:
    """The names a query returns, even when it returns no rows."""
    return tuple(
        row[0] for row in client.query(f"DESCRIBE TABLE ({sql})", settings=READ_ONLY).result_rows
    )


def all_values(client: Client, dashboard: Dashboard) -> dict[str, list[str]]:
    """Every variable set to All, as a dashboard opens."""
    return {
        v.name: [str(row[0]) for row in client.query(v.sql, settings=READ_ONLY).result_rows]
        for v in dashboard.variables
    }


def run_sql(client: Client, sql: str) -> tuple[tuple[str, ...], list[Sequence[Any]]]:
    result = client.query(sql, settings=READ_ONLY)
    # An empty result carries no column names; only then ask ClickHouse for them.
    return tuple(result.column_names) or columns_of(client, sql), list(result.result_rows)


def run_dashboard(
    client: Client,
    dashboard: Dashboard,
    window: TimeRange,
    variables: dict[str, list[str]] | None = None,
) -> list[PanelResult]:
    values = all_values(client, dashboard) if variables is None else variables
    results = []
    for panel_id, panel in dashboard.panels():
        own = window if panel.max_points is None else window.at_most(panel.max_points)
        sql = expand(panel.sql, own, values)
        columns, rows = run_sql(client, sql)
        results.append(PanelResult(panel_id, panel, sql, columns, rows, own.interval_s))
    return results
