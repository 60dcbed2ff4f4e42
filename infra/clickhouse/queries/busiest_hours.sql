-- Busiest hours of the day (local: the time zone of the session, GAPWATCH_TIMEZONE in the
-- report and on Grafana): ratings, mean score and complaints per hour of day, summed over the
-- period.
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
    hour_of_day,
    sum(rating_count) AS ratings,
    round(sum(score_total) / ratings, 3) AS mean_score,
    sum(complaint_count) AS complaints
FROM
(
    SELECT toHour(bucket, timezone()) AS hour_of_day, ratings AS rating_count,
           score_sum AS score_total, toUInt64(0) AS complaint_count
    FROM satisfaction_hour WHERE bucket >= h0 AND bucket < h1
    UNION ALL
    SELECT toHour(bucket, timezone()), ratings, score_sum, toUInt64(0)
    FROM satisfaction_minute
    WHERE (bucket >= m0 AND bucket < least(h0, m1)) OR (bucket >= h1 AND bucket < m1)
    UNION ALL
    SELECT toHour(ts, timezone()), toUInt64(1), toUInt64(score), toUInt64(0)
    FROM satisfaction_events
    WHERE (ts >= t0 AND ts < least(m0, t1)) OR (ts >= m1 AND ts < t1)
    UNION ALL
    SELECT toHour(bucket, timezone()), toUInt64(0), toUInt64(0), complaints
    FROM complaints_hour
    WHERE bucket >= h0 AND bucket < h1 AND gap != 'not_complaint'
    UNION ALL
    SELECT toHour(bucket, timezone()), toUInt64(0), toUInt64(0), complaints
    FROM complaints_minute
    WHERE ((bucket >= m0 AND bucket < least(h0, m1)) OR (bucket >= h1 AND bucket < m1))
      AND gap != 'not_complaint'
    UNION ALL
    SELECT toHour(ts, timezone()), toUInt64(0), toUInt64(0), toUInt64(1)
    FROM complaints
    WHERE ((ts >= t0 AND ts < least(m0, t1)) OR (ts >= m1 AND ts < t1))
      AND gap != 'not_complaint'
)
GROUP BY hour_of_day
ORDER BY ratings DESC, hour_of_day
