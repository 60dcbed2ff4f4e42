"""What landed in the warehouse, in a few numbers: all-time totals for end-of-run summaries,
and the last few minutes for live views (the worker serves both at /stats/)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from clickhouse_connect.driver.client import Client

RECENT_MINUTES = 5  # what a live view calls "now"
OPEN_ALERTS_SHOWN = 5

_COUNTS = """
SELECT
    (SELECT count() FROM satisfaction_events) AS satisfaction_events,
    (SELECT count() FROM complaints) AS complaints,
    (SELECT count() FROM complaint_updates) AS complaint_updates,
    (SELECT count() FROM dead_letters) AS dead_letters
"""
_BY_STORE = """
SELECT store_id, sum(ratings) AS rating_count,
       round(sum(score_sum) / sum(ratings), 3) AS avg_score,
       round(sum(top2_ratings) / sum(ratings), 3) AS top2_share
FROM satisfaction_minute
GROUP BY store_id ORDER BY store_id
"""
_BY_GAP = """
SELECT gap, sum(complaints) AS complaint_count FROM complaints_minute GROUP BY gap ORDER BY gap
"""
_DEAD_BY_TOPIC = """
SELECT source_topic, count() AS dead_letters
FROM dead_letters GROUP BY source_topic ORDER BY source_topic
"""

# The last minutes. Satisfaction and complaints by event time (from the minute rollups);
# what the workers wrote by when they wrote it. Latency is ingested_at − ts of the rows
# written in the window: time from the event to its row in ClickHouse.
_RECENT_BY_STORE = """
SELECT store_id, sum(ratings) AS rating_count,
       round(sum(score_sum) / sum(ratings), 3) AS avg_score,
       round(sum(top2_ratings) / sum(ratings), 3) AS top2_share
FROM satisfaction_minute
WHERE bucket >= toStartOfMinute({since:DateTime64(3)}) AND bucket <= {now:DateTime64(3)}
GROUP BY store_id ORDER BY store_id
"""
_RECENT_BY_GAP = """
SELECT gap, sum(complaints) AS complaint_count
FROM complaints_minute
WHERE bucket >= toStartOfMinute({since:DateTime64(3)}) AND bucket <= {now:DateTime64(3)}
GROUP BY gap ORDER BY gap
"""
_RECENT_WRITES = """
SELECT topic, count() AS written, quantileExact(0.95)(latency_ms) / 1000 AS p95_latency_s
FROM (
    SELECT 'satisfaction-events' AS topic, dateDiff('millisecond', ts, ingested_at) AS latency_ms
    FROM satisfaction_events
    PREWHERE ingested_at >= {since:DateTime64(3)} AND ingested_at <= {now:DateTime64(3)}
    UNION ALL
    SELECT 'complaints', dateDiff('millisecond', ts, ingested_at)
    FROM complaints
    PREWHERE ingested_at >= {since:DateTime64(3)} AND ingested_at <= {now:DateTime64(3)}
    UNION ALL
    SELECT 'complaint-updates', dateDiff('millisecond', ts, ingested_at)
    FROM complaint_updates
    PREWHERE ingested_at >= {since:DateTime64(3)} AND ingested_at <= {now:DateTime64(3)}
)
GROUP BY topic ORDER BY topic
"""
_RECENT_DEAD = """
SELECT source_topic, count() AS dead_letters
FROM dead_letters
PREWHERE ingested_at >= {since:DateTime64(3)} AND ingested_at <= {now:DateTime64(3)}
GROUP BY source_topic ORDER BY source_topic
"""
_OPEN_ALERTS = """
SELECT count() OVER () AS open_alerts, kind, scope, store_id, channel, opened_at,
       if(kind = 'satisfaction_drop', round(drop, 3), NULL) AS drop
FROM alerts FINAL
WHERE resolved_at IS NULL
ORDER BY opened_at DESC, alert_id
LIMIT {shown:UInt32}
"""


QUERIES = {
    "row counts": _COUNTS,
    "satisfaction by store": _BY_STORE,
    "complaints by gap": _BY_GAP,
    "dead letters by topic": _DEAD_BY_TOPIC,
}


def recent(
    client: Client, now: datetime | None = None, minutes: int = RECENT_MINUTES
) -> dict[str, Any]:
    """The last `minutes` before `now`: what a live view shows."""
    end = now or datetime.now(UTC)
    parameters = {"since": end - timedelta(minutes=minutes), "now": end}
    writes = list(client.query(_RECENT_WRITES, parameters=parameters).named_results())
    alerts = list(
        client.query(_OPEN_ALERTS, parameters={"shown": OPEN_ALERTS_SHOWN}).named_results()
    )
    return {
        "minutes": minutes,
        "until": end.isoformat(),
        "written": {r["topic"]: r["written"] for r in writes},
        "p95_latency_s": {r["topic"]: r["p95_latency_s"] for r in writes},
        "dead_letters": {
            r["source_topic"]: r["dead_letters"]
            for r in client.query(_RECENT_DEAD, parameters=parameters).named_results()
        },
        "open_alerts": alerts[0]["open_alerts"] if alerts else 0,
        "newest_open_alerts": [
            {**{k: v for k, v in a.items() if k != "open_alerts"}, "opened_at": _iso(a)}
            for a in alerts
        ],
        "by_store": list(client.query(_RECENT_BY_STORE, parameters=parameters).named_results()),
        "by_gap": list(client.query(_RECENT_BY_GAP, parameters=parameters).named_results()),
    }


def _iso(alert: Mapping[str, Any]) -> str:
    opened: datetime = alert["opened_at"]
    return (opened if opened.tzinfo else opened.replace(tzinfo=UTC)).isoformat()


def summary(client: Client, now: datetime | None = None) -> dict[str, Any]:
    counts = client.query(_COUNTS).named_results()
    return {
        "counts": next(iter(counts)),
        "by_store": list(client.query(_BY_STORE).named_results()),
        "by_gap": list(client.query(_BY_GAP).named_results()),
        "dead_letters_by_topic": list(client.query(_DEAD_BY_TOPIC).named_results()),
        "recent": recent(client, now),
    }
