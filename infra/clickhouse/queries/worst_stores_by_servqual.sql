-- Worst stores by perception − expectation per SERVQUAL dimension (gap 5 measured from
-- surveys): most negative first, rank 1 is the worst store for that dimension. Stores with
-- fewer than 10 responses for a dimension are left out as too noisy.
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
    dimension,
    rank() OVER (PARTITION BY dimension ORDER BY servqual_gap ASC) AS worst_rank,
    store_id,
    sum(n) AS response_count,
    round(sum(e) / response_count, 3) AS expectation,
    round(sum(p) / response_count, 3) AS perception,
    round((toInt64(sum(p)) - toInt64(sum(e))) / response_count, 3) AS servqual_gap
FROM
(
    SELECT dimension, store_id, responses AS n, expectation_sum AS e, perception_sum AS p
    FROM servqual_hour WHERE bucket >= h0 AND bucket < h1
    UNION ALL
    SELECT dimension, store_id, responses, expectation_sum, perception_sum
    FROM servqual_minute
    WHERE (bucket >= m0 AND bucket < least(h0, m1)) OR (bucket >= h1 AND bucket < m1)
    UNION ALL
    SELECT dimension, store_id, toUInt64(1), toUInt64(expectation[dimension]),
           toUInt64(perception[dimension])
    FROM satisfaction_events
    ARRAY JOIN mapKeys(perception) AS dimension
    WHERE ((ts >= t0 AND ts < least(m0, t1)) OR (ts >= m1 AND ts < t1))
      AND mapContains(expectation, dimension)
)
GROUP BY dimension, store_id
HAVING response_count >= 10
ORDER BY dimension, worst_rank, store_id
