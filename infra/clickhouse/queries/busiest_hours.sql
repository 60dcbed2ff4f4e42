-- Busiest hours of the day (UTC; for local time use toHour(bucket, 'Asia/Shanghai')):
-- ratings, mean score and complaints per hour of day, summed over the period.
-- Parameters: since, until (UTC).
SELECT
    hour_of_day,
    sum(rating_count) AS ratings,
    round(sum(score_total) / ratings, 3) AS mean_score,
    sum(complaint_count) AS complaints
FROM
(
    SELECT toHour(bucket) AS hour_of_day, sum(ratings) AS rating_count,
           sum(score_sum) AS score_total, toUInt64(0) AS complaint_count
    FROM satisfaction_hour
    WHERE bucket >= {since:DateTime} AND bucket < {until:DateTime}
    GROUP BY hour_of_day
    UNION ALL
    SELECT toHour(bucket) AS hour_of_day, toUInt64(0), toUInt64(0), sum(complaints)
    FROM complaints_hour
    WHERE bucket >= {since:DateTime} AND bucket < {until:DateTime} AND gap != 'not_complaint'
    GROUP BY hour_of_day
)
GROUP BY hour_of_day
ORDER BY ratings DESC, hour_of_day
