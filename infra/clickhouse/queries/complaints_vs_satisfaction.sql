-- Complaint volume against satisfaction per store: ratings, mean score, share of 4–5 scores,
-- complaints (texts classified as not a complaint excluded) and complaints per 100 ratings,
-- highest complaint rate first.
-- Parameters: since, until (UTC).
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
    FROM satisfaction_hour
    WHERE bucket >= {since:DateTime} AND bucket < {until:DateTime}
    GROUP BY store_id
) AS s
LEFT JOIN
(
    SELECT store_id, sum(complaints) AS complaint_count
    FROM complaints_hour
    WHERE bucket >= {since:DateTime} AND bucket < {until:DateTime} AND gap != 'not_complaint'
    GROUP BY store_id
) AS c ON s.store_id = c.store_id
ORDER BY complaints_per_100_ratings DESC, store_id
