"""The analyst dashboard: every query of the library (infra/clickhouse/queries) as a table,
over the dashboard's time range."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.panels.spec import DEFAULT_TIMEZONE, Dashboard, Panel, Section
from pipeline.warehouse.library import library

# recovery_by_day and recovery_by_hour differ only in their first column, the grain.
_RECOVERY = (
    "store_id",
    "channel",
    "gap",
    "dimension",
    "complaint_count",
    "mean_minutes_to_first_response",
    "median_minutes_to_first_response",
    "mean_hours_to_resolution",
    "median_hours_to_resolution",
    "resolution_rate",
    "reopen_rate",
    "recovery_satisfaction",
)

# What each library query returns; the proof on chDB checks these.
COLUMNS: dict[str, tuple[str, ...]] = {
    "agents_with_most_delivery_gaps": (
        "agent_id",
        "store_id",
        "delivery_gap_complaints",
        "all_complaints",
        "delivery_share",
    ),
    "busiest_hours": ("hour_of_day", "ratings", "mean_score", "complaints"),
    "complaints_vs_satisfaction": (
        "store_id",
        "rating_count",
        "mean_score",
        "top2_share",
        "complaint_count",
        "complaints_per_100_ratings",
    ),
    "gap_mix_by_store_week": ("store_id", "week", "gap", "complaint_count", "share"),
    "recovery_by_day": ("day", *_RECOVERY),
    "recovery_by_hour": ("hour", *_RECOVERY),
    "recovery_paradox": ("customers", "customer_count", "rating_count", "mean_score", "top2_share"),
    "worst_stores_by_servqual": (
        "dimension",
        "worst_rank",
        "store_id",
        "response_count",
        "expectation",
        "perception",
        "servqual_gap",
    ),
}


_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-/]+")


def to_grafana(sql: str, timezone: str) -> str:
    """Library parameters become the dashboard's time range, and the session's time zone
    (timezone(), the server's for `gapwatch query`) the configured one, so hours, days and
    weeks are the users' own."""
    if not _ZONE_NAME.fullmatch(timezone):
        raise ValueError(f"not a time zone name: {timezone!r}")
    return (
        sql.replace("{since:DateTime}", "$__fromTime")
        .replace("{until:DateTime}", "$__toTime")
        .replace("timezone()", f"'{timezone}'")
        .rstrip()
        .rstrip(";")
    )


def analyst_dashboard(queries: Path, timezone: str = DEFAULT_TIMEZONE) -> Dashboard:
    found = library(queries)
    if set(found) != set(COLUMNS):
        raise ValueError(
            f"query library and analyst dashboard disagree: only in the library "
            f"{sorted(set(found) - set(COLUMNS))}, only in the dashboard "
            f"{sorted(set(COLUMNS) - set(found))}"
        )
    panels = tuple(
        Panel(
            name.replace("_", " ").capitalize(),
            "table",
            to_grafana(query.sql, timezone),
            COLUMNS[name],
            query.question,
            width=24,
        )
        for name, query in found.items()
    )
    return Dashboard(
        uid="gapwatch-analyst",
        title="GapWatch — analyst views",
        description="The query library (infra/clickhouse/queries) over the chosen time range.",
        sections=(Section("Query library", panels),),
        time_from="now-7d",
        refresh="5m",
        timezone=timezone,
    )
