"""What landed in the warehouse, in a few numbers: for live views and end-of-run summaries."""

from __future__ import annotations

from clickhouse_connect.driver.client import Client

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


QUERIES = {
    "row counts": _COUNTS,
    "satisfaction by store": _BY_STORE,
    "complaints by gap": _BY_GAP,
    "dead letters by topic": _DEAD_BY_TOPIC,
}


def summary(client: Client) -> dict:
    counts = client.query(_COUNTS).named_results()
    return {
        "counts": next(iter(counts)),
        "by_store": list(client.query(_BY_STORE).named_results()),
        "by_gap": list(client.query(_BY_GAP).named_results()),
        "dead_letters_by_topic": list(client.query(_DEAD_BY_TOPIC).named_results()),
    }
