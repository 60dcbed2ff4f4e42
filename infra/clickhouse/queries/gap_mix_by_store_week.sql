-- Gap mix by store and week: complaints of each gap per store and ISO week (weeks start on
-- Monday, UTC), and each gap's share of that store-week's complaints.
-- Parameters: since, until (UTC).
SELECT
    store_id,
    toMonday(bucket) AS week,
    gap,
    sum(complaints) AS complaint_count,
    round(complaint_count / sum(complaint_count) OVER (PARTITION BY store_id, week), 4) AS share
FROM complaints_hour
WHERE bucket >= {since:DateTime} AND bucket < {until:DateTime}
GROUP BY store_id, week, gap
ORDER BY store_id, week, complaint_count DESC, gap
