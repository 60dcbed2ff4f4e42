-- Agents with the most delivery-gap (gap 3) complaints: staff or systems failing to deliver
-- to the standard, the gap that training, support and empowerment fix. Share = gap 3
-- complaints among all complaints naming that agent. Top 20.
-- Parameters: since, until.
SELECT
    agent_id,
    any(store_id) AS store_id,
    countIf(gap = 'gap3_delivery') AS delivery_gap_complaints,
    countIf(gap != 'not_complaint') AS all_complaints,
    round(delivery_gap_complaints / all_complaints, 4) AS delivery_share
FROM complaints
WHERE ts >= {since:DateTime} AND ts < {until:DateTime} AND agent_id IS NOT NULL
GROUP BY agent_id
HAVING delivery_gap_complaints > 0
ORDER BY delivery_gap_complaints DESC, delivery_share DESC, agent_id
LIMIT 20
