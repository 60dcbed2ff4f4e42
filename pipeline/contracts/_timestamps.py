"""Event timestamps: ISO-8601 with a UTC offset, or integer epoch milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import PlainValidator

# Anything past this cannot be a real epoch in milliseconds (year 2286 and later).
_MAX_EPOCH_MS = 10_000_000_000_000


def parse_ts(value: object) -> datetime:
    """Parse a contract timestamp into an aware UTC datetime, or raise ValueError saying why."""
    if isinstance(value, bool):
        raise ValueError("ts must be an ISO-8601 string or epoch milliseconds, not a boolean")
    if isinstance(value, int):
        if not 0 <= value < _MAX_EPOCH_MS:
            raise ValueError(f"ts {value} is out of range for epoch milliseconds")
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"ts {value!r} is not ISO-8601") from None
        if parsed.tzinfo is None:
            raise ValueError(f"ts {value!r} has no UTC offset, e.g. 2026-11-21T13:05:00+08:00")
        return parsed.astimezone(UTC)
    raise ValueError(
        f"ts must be an ISO-8601 string or epoch milliseconds, not {type(value).__name__}"
    )


Timestamp = Annotated[datetime, PlainValidator(parse_ts)]


def check_window(
    ts: datetime, now: datetime, max_future: timedelta, max_age: timedelta
) -> str | None:
    """Return why ``ts`` is implausibly far from ``now``, or None when it is fine."""
    if ts > now + max_future:
        return f"ts {ts.isoformat()} is more than {max_future} in the future"
    if ts < now - max_age:
        return f"ts {ts.isoformat()} is more than {max_age.days} days in the past"
    return None
