-- The recovery paradox: are customers whose complaint was resolved more satisfied than those
-- who never complained, and than those whose complaint was not resolved? Mean score and share
-- of 4–5 of the ratings customers gave after their first complaint in the period (every
-- rating, for customers without a complaint). Needs customer_id on ratings and complaints.
-- Parameters: since, until.
SELECT
    multiIf(k.customer_id = '', 'no complaint',
            k.all_resolved = 1, 'complaint resolved',
            'complaint not resolved') AS customers,
    uniqExact(e.customer_id) AS customer_count,
    count() AS rating_count,
    round(avg(e.score), 3) AS mean_score,
    round(countIf(e.score >= 4) / rating_count, 4) AS top2_share
FROM satisfaction_events AS e
LEFT JOIN
(
    SELECT assumeNotNull(customer_id) AS customer_id,
           min(received_at) AS first_complaint_at,
           min(status IN ('resolved', 'closed')) AS all_resolved
    FROM complaint_lifecycle
    WHERE customer_id IS NOT NULL AND gap != 'not_complaint'
      AND received_at >= {since:DateTime} AND received_at < {until:DateTime}
    GROUP BY customer_id
) AS k ON assumeNotNull(e.customer_id) = k.customer_id
WHERE e.customer_id IS NOT NULL AND e.ts >= {since:DateTime} AND e.ts < {until:DateTime}
  AND (k.customer_id = '' OR e.ts > k.first_complaint_at)
GROUP BY customers
ORDER BY customers
