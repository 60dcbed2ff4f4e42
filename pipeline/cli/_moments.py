"""Moments and windows as people type them on the command line (--since, --until)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click


def parse_moment(value: str, zone: ZoneInfo, now: datetime) -> datetime:
    """An ISO date or date-time, or a time of day (today), in ``zone`` unless it carries an
    offset; returned in UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        try:
            of_day = time.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not an ISO date, date-time or time") from None
        today: date = now.astimezone(zone).date()
        moment = datetime.combine(today, of_day)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def moments(
    since: str | None, until: str | None, zone: ZoneInfo, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """Both ends as typed (None where not given); the start must come first."""
    start = parse_moment(since, zone, now) if since else None
    end = parse_moment(until, zone, now) if until else None
    if start and end and start >= end:
        raise click.BadParameter("--since must be before --until")
    return start, end


def window(
    since: str | None, until: str | None, zone: ZoneInfo, days: int = 90
) -> dict[str, datetime]:
    """A query's window: by default from ``days`` ago to tomorrow."""
    now = datetime.now(UTC).replace(microsecond=0)
    start, end = moments(since, until, zone, now)
    return {
        "since": start or now - timedelta(days=days),
        "until": end or now + timedelta(days=1),
    }
