"""Values as people read them: shares as percentages, counts as integers, times in the
users' time zone. The warehouse keeps fractions and UTC; only the display changes."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from pipeline.panels.fields import Kind, label

NO_DATA = "No data yet"
MISSING = "—"  # one empty cell of a table that has data


def is_missing(value: object) -> bool:
    """NULL, or NaN (what ClickHouse returns for a ratio of nothing)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def as_utc(moment: datetime) -> datetime:
    """A warehouse moment (the client returns UTC without tzinfo) as an aware UTC one."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    """A warehouse moment as wall-clock time in `zone`, without tzinfo, as charts want it."""
    return as_utc(moment).astimezone(zone).replace(tzinfo=None)


def zone_label(zone: ZoneInfo, at: datetime) -> str:
    """'Asia/Shanghai, UTC+08:00'."""
    offset = at.astimezone(zone).strftime("%z")
    return f"{zone.key}, UTC{offset[:3]}:{offset[3:]}"


def display(value: object, kind: Kind, zone: ZoneInfo) -> str:
    if is_missing(value):
        return MISSING
    if kind == "time" and isinstance(value, datetime):
        return f"{local(value, zone):%Y-%m-%d %H:%M}"
    if kind in ("time", "date") and isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if kind == "text" or not isinstance(value, int | float):
        return label(value)
    number = float(value)
    if kind == "percent":
        return f"{number:.1%}"
    if kind == "points":
        return f"{number * 100:.1f} pts"
    if kind == "score":
        return f"{number:.2f}"
    if kind == "count":
        return f"{round(number):,}"
    if kind == "rate":
        return f"{number:,.1f}/s" if number < 10 else f"{number:,.0f}/s"
    if kind == "minutes":
        return f"{number:,.1f} min"
    if kind == "hours":
        return f"{number:,.1f} h"
    return f"{number:,.2f}"
