-- Gap mix by store and week: complaints of each gap per store and ISO week (weeks start on
-- Monday, in the session's time zone: GAPWATCH_TIMEZONE in the report and on Grafana), and
-- each gap's share of that store-week's complaints.
-- Parameters: since, until.
WITH
    -- Exact for any window: its whole hours from the hour rollups, the whole minutes at its
    -- edges from the minute rollups, the seconds at its very edges from the raw rows.
    {since:DateTime} AS t0,
    {until:DateTime} AS t1,
    toStartOfMinute(t0 + INTERVAL 59 SECOND) AS m0,
    greatest(m0, toStartOfMinute(t1)) AS m1,
    toStartOfHour(t0 + INTERVAL 3599 SECOND) AS h0,
    greatest(h0, toStartOfHour(t1)) AS h1
SELECT
    store_id,
    toMonday(at, timezone()) AS week,
    gap,
    sum(n) AS complaint_count,
    round(complaint_count / sum(complaint_count) OVER (PARTITION BY store_id, week), 4) AS share
FROM
(
    SELECT toDateTime64(bucket, 3) AS at, store_id, gap, complaints AS n
    FROM complaints_hour WHERE bucket >= h0 AND bucket < h1
    UNION ALL
    SELECT toDateTime64(bucket, 3), store_id, gap, complaints
    FROM complaints_minute
    WHERE (bucket >= m0 AND bucket < least(h0, m1)) OR (bucket >= h1 AND bucket < m1)
    UNION ALL
    SELECT ts, store_id, gap, toUInt64(1)
    FROM complaints
    WHERE (ts >= t0 AND ts < least(m0, t1)) OR (ts >= m1 AND ts < t1)
)
GROUP BY store_id, week, gap
ORDER BY store_id, week, complaint_count DESC, gap
