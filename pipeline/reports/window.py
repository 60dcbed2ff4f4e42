"""Counting a time window exactly from the rollups, whatever second it starts and ends on.

The hour rollups hold whole hours: filtering them with `bucket >= since` drops the first
partial hour and keeps all of the last. So a window is read in three layers: its whole hours
from the hour rollups, the whole minutes at its edges from the minute rollups, and the
seconds at its very edges from the raw rows. The library queries in infra/clickhouse/queries
use the same prelude (copied, so each file stays one runnable query).
"""

from __future__ import annotations

# t0, t1: the window [since, until). m0/m1: its whole minutes, h0/h1: its whole hours.
PRELUDE = """
WITH
    {since:DateTime} AS t0,
    {until:DateTime} AS t1,
    toStartOfMinute(t0 + INTERVAL 59 SECOND) AS m0,
    greatest(m0, toStartOfMinute(t1)) AS m1,
    toStartOfHour(t0 + INTERVAL 3599 SECOND) AS h0,
    greatest(h0, toStartOfHour(t1)) AS h1
"""

# Conditions selecting each layer's rows; together they cover [t0, t1) once.
HOURS = "bucket >= h0 AND bucket < h1"
EDGE_MINUTES = "((bucket >= m0 AND bucket < least(h0, m1)) OR (bucket >= h1 AND bucket < m1))"
EDGE_SECONDS = "((ts >= t0 AND ts < least(m0, t1)) OR (ts >= m1 AND ts < t1))"
