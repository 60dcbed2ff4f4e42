-- Service recovery per day, store, channel, gap and dimension: complaints received, time to
-- first response and to resolution (mean and median, minutes and hours), resolution rate
-- (resolved or closed now), reopen rate (reopened at least once), recovery satisfaction
-- (mean recovery_score, 1–5, where customers gave one).
-- Days in the session's time zone (GAPWATCH_TIMEZONE in the report and on Grafana).
-- Parameters: since, until (by when the complaint was received).
SELECT
    toStartOfDay(received_at, timezone()) AS day,
    store_id,
    channel,
    gap,
    dimension,
    count() AS complaint_count,
    round(avg(minutes_to_first_response), 1) AS mean_minutes_to_first_response,
    round(quantileExactInclusive(0.5)(minutes_to_first_response), 1) AS median_minutes_to_first_response,
    round(avg(hours_to_resolution), 2) AS mean_hours_to_resolution,
    round(quantileExactInclusive(0.5)(hours_to_resolution), 2) AS median_hours_to_resolution,
    round(countIf(status IN ('resolved', 'closed')) / complaint_count, 4) AS resolution_rate,
    round(countIf(reopens > 0) / complaint_count, 4) AS reopen_rate,
    round(avg(recovery_score), 2) AS recovery_satisfaction
FROM complaint_lifecycle
WHERE received_at >= {since:DateTime} AND received_at < {until:DateTime}
  AND gap != 'not_complaint'
GROUP BY day, store_id, channel, gap, dimension
ORDER BY day, store_id, channel, gap, dimension
