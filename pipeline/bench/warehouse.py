"""How fast the warehouse answers: seed millions of rows in chDB, time each query.

Seeding goes through INSERT … SELECT from numbers(), so every materialized view does its real
work; rows spread over 90 days, 200 stores, 4 channels, 30% with SERVQUAL scores.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from clickhouse_connect.driver.client import Client
from rich.progress import Progress

from pipeline.gaps import DIMENSIONS, EMPATHY, GAPS, RELIABILITY
from pipeline.warehouse.library import LibraryQuery
from pipeline.warehouse.summary import QUERIES as SUMMARY_QUERIES

DAYS = 90


def _array(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


# The vocabulary goes in now; days, start and count (doubled braces) are seed()'s to fill in.
_EVENTS = f"""
INSERT INTO satisfaction_events (event_id, ts, store_id, channel, agent_id, score, expectation,
                                 perception, source_partition, source_offset)
SELECT
    concat('bench-', toString(number)),
    now64(3) - toIntervalMillisecond(intHash64(number) % ({{days}} * 86400000)),
    concat('S', leftPad(toString(intHash32(number) % 200), 3, '0')) AS store,
    ['store', 'app', 'hotline', 'web'][intHash32(number * 3) % 4 + 1],
    concat(store, '-A', toString(number % 8)),
    toUInt8(least(5, 1 + intHash32(number * 7) % 5 + (intHash32(number) % 200 < 150))),
    if(number % 10 < 3,
       map('{RELIABILITY}', toUInt8(5 + number % 3), '{EMPATHY}', toUInt8(6)), map()),
    if(number % 10 < 3,
       map('{RELIABILITY}', toUInt8(3 + number % 5), '{EMPATHY}', toUInt8(4 + number % 4)), map()),
    0, number
FROM numbers({{start}}, {{count}})
"""
_COMPLAINTS = f"""
INSERT INTO complaints (complaint_id, ts, store_id, channel, text, agent_id, gap, gap_confidence,
                        dimension, dimension_confidence, model_version, terms,
                        source_partition, source_offset)
SELECT
    concat('bench-c', toString(number)),
    now64(3) - toIntervalMillisecond(intHash64(number + 7) % ({{days}} * 86400000)),
    concat('S', leftPad(toString(intHash32(number) % 200), 3, '0')) AS store,
    ['store', 'app', 'hotline', 'web'][intHash32(number * 3) % 4 + 1],
    '师傅迟到两个小时还态度差',
    if(number % 3 = 0, concat(store, '-A', toString(number % 8)), NULL),
    {_array(GAPS)}[intHash32(number * 5) % {len(GAPS)} + 1],
    toFloat32(0.4 + (number % 60) / 100),
    {_array(DIMENSIONS)}[number % {len(DIMENSIONS)} + 1],
    toFloat32(0.7), 'bench', ['迟到'], 0, number
FROM numbers({{start}}, {{count}})
"""

# What a live dashboard asks over and over (issue 8's panels will take these roles).
DASHBOARD_QUERIES = {
    "satisfaction by store, hourly, 7 days": """
        SELECT bucket, store_id, sum(ratings) AS n, sum(top2_ratings) / n AS top2_share
        FROM satisfaction_hour WHERE bucket >= now() - INTERVAL 7 DAY
        GROUP BY bucket, store_id ORDER BY bucket""",
    "worst stores, last 24 h": """
        SELECT store_id, sum(ratings) AS n, sum(top2_ratings) / n AS top2_share
        FROM satisfaction_minute WHERE bucket >= now() - INTERVAL 1 DAY
        GROUP BY store_id HAVING n >= 20 ORDER BY top2_share LIMIT 10""",
    "complaints per gap, hourly, 7 days": """
        SELECT bucket, gap, sum(complaints) FROM complaints_hour
        WHERE bucket >= now() - INTERVAL 7 DAY GROUP BY bucket, gap ORDER BY bucket""",
    "score distribution, 30 days": """
        SELECT sum(score_1), sum(score_2), sum(score_3), sum(score_4), sum(score_5)
        FROM satisfaction_hour WHERE bucket >= now() - INTERVAL 30 DAY""",
    "perception − expectation per dimension, 30 days": """
        SELECT dimension, (toInt64(sum(perception_sum)) - toInt64(sum(expectation_sum)))
               / sum(responses) FROM servqual_hour
        WHERE bucket >= now() - INTERVAL 30 DAY GROUP BY dimension""",
}


@dataclass(frozen=True)
class Timing:
    name: str
    kind: str
    median_s: float
    worst_s: float
    rows: int


def seed(client: Client, events: int, complaints: int, chunk: int = 1_000_000) -> float:
    """Insert the synthetic rows; return rows per second over both tables."""
    started = time.perf_counter()
    with Progress(transient=True) as progress:
        for sql, total, label in (
            (_EVENTS, events, "events"),
            (_COMPLAINTS, complaints, "complaints"),
        ):
            task = progress.add_task(f"seeding {label}", total=total)
            for start in range(0, total, chunk):
                count = min(chunk, total - start)
                client.command(sql.format(days=DAYS, start=start, count=count))
                progress.advance(task, count)
    return (events + complaints) / (time.perf_counter() - started)


def time_queries(
    client: Client, library: dict[str, LibraryQuery], repeats: int = 5
) -> list[Timing]:
    now = datetime.now(UTC)
    window = {"since": now - timedelta(days=DAYS), "until": now + timedelta(days=1)}
    plan: list[tuple[str, str, str, dict[str, datetime] | None]] = [
        (name, "dashboard", sql, None) for name, sql in DASHBOARD_QUERIES.items()
    ]
    plan += [(name, "live summary", sql, None) for name, sql in SUMMARY_QUERIES.items()]
    plan += [(q.name, "library", q.sql, window) for q in library.values()]
    timings = []
    for name, kind, sql, parameters in plan:
        seconds, rows = [], 0
        for _ in range(repeats):
            t0 = time.perf_counter()
            rows = len(client.query(sql, parameters=parameters).result_rows)
            seconds.append(time.perf_counter() - t0)
        timings.append(Timing(name, kind, statistics.median(seconds), max(seconds), rows))
    return timings
