"""The report's default range: the data it has, not a fixed 24 h in which a four-minute run
is two points per series."""

from __future__ import annotations

from datetime import datetime, timedelta

from clickhouse_connect.driver.client import Client

from pipeline.panels.formatting import as_utc
from pipeline.warehouse.readonly import READ_ONLY

LOOK_BACK = timedelta(hours=24)  # how far back a default range looks for data
SHORTEST = timedelta(minutes=5)  # a shorter burst is drawn in at least this much time

# When anything the panels draw happened: ratings and complaints by event time, every
# row by when the workers wrote it.
_EXTENT = """
SELECT minOrNull(first), maxOrNull(last)
FROM (
    SELECT min(ts) AS first, max(ts) AS last FROM satisfaction_events
    WHERE ts >= {since:DateTime} AND ts <= {until:DateTime}
    UNION ALL
    SELECT min(ingested_at), max(ingested_at) FROM satisfaction_events
    WHERE ingested_at >= {since:DateTime} AND ingested_at <= {until:DateTime}
    UNION ALL
    SELECT min(ts), max(ts) FROM complaints
    WHERE ts >= {since:DateTime} AND ts <= {until:DateTime}
    UNION ALL
    SELECT min(ingested_at), max(ingested_at) FROM complaints
    WHERE ingested_at >= {since:DateTime} AND ingested_at <= {until:DateTime}
    UNION ALL
    SELECT min(ingested_at), max(ingested_at) FROM dead_letters
    WHERE ingested_at >= {since:DateTime} AND ingested_at <= {until:DateTime}
)
WHERE first > toDateTime64(0, 3)
"""


def _floor_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _ceil_minute(moment: datetime) -> datetime:
    floor = _floor_minute(moment)
    return floor if floor == moment else floor + timedelta(minutes=1)


def fitted_range(
    client: Client, since: datetime | None, until: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """[since, until]: what was asked, and where not asked, the first and last data of the
    24 h before `until` (or now) in whole minutes, at least five minutes long."""
    hi = until or now
    lo = since or hi - LOOK_BACK
    first, last = client.query(
        _EXTENT, parameters={"since": lo, "until": hi}, settings=READ_ONLY
    ).result_rows[0]
    if first is None:
        return lo, hi
    start = since or _floor_minute(as_utc(first))
    end = until or min(hi, _ceil_minute(as_utc(last) + timedelta(seconds=1)))
    if end - start < SHORTEST:
        if since is None:
            start = end - SHORTEST
        else:
            end = start + SHORTEST
    return start, end
