-- Complaint volume against satisfaction per store: ratings, mean score, share of 4–5 scores,
-- complaints (texts classified as not a complaint excluded) and complaints per 100 ratings,
-- highest complaint rate first. Stores with fewer than 10 ratings in the period are left out:
-- two ratings and one complaint would rank first on noise.
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
    s.store_id AS store_id,
    s.rating_count AS rating_count,
    round(s.score_total / s.rating_count, 3) AS mean_score,
    round(s.top2_total / s.rating_count, 4) AS top2_share,
    c.complaint_count AS complaint_count,  -- 0 where the store had none (LEFT JOIN default)
    round(100 * complaint_count / s.rating_count, 2) AS complaints_per_100_ratings
FROM
(
    SELECT store_id, sum(ratings) AS rating_count, sum(score_sum) AS score_total,
           sum(top2_ratings) AS top2_total
    FROM
    (
        SELECT store_id, ratings, score_sum, top2_ratings
        FROM satisfaction_hour WHERE bucket >= h0 AND bucket < h1
        UNION ALL
        SELECT store_id, ratings, score_sum, top2_ratings
        FROM satisfaction_minute
        WHERE (bucket >= m0 AND bucket < least(h0, m1)) OR (bucket >= h1 AND bucket < m1)
        UNION ALL
        SELECT store_id, toUInt64(1), toUInt64(score), toUInt64(score >= 4)
        FROM satisfaction_events
        WHERE (ts >= t0 AND ts < least(m0, t1)) OR (ts >= m1 AND ts < t1)
    )
    GROUP BY store_id
    HAVING rating_count >= 10
) AS s
LEFT JOIN
(
    SELECT store_id, sum(complaints) AS complaint_count
    FROM
    (
        SELECT store_id, complaints
        FROM complaints_hour
        WHERE bucket >= h0 AND bucket < h1 AND gap != 'not_complaint'
        UNION ALL
        SELECT store_id, complaints
        FROM complaints_minute
        WHERE ((bucket >= m0 AND bucket < least(h0, m1)) OR (bucket >= h1 AND bucket < m1))
          AND gap != 'not_complaint'
        UNION ALL
        SELECT store_id, toUInt64(1)
        FROM complaints
        WHERE ((ts >= t0 AND ts < least(m0, t1)) OR (ts >= m1 AND ts < t1))
          AND gap != 'not_complaint'
    )
    GROUP BY store_id
) AS c ON s.store_id = c.store_id
ORDER BY complaints_per_100_ratings DESC, store_id
