-- Worst stores by perception − expectation per SERVQUAL dimension (gap 5 measured from
-- surveys): most negative first, rank 1 is the worst store for that dimension. Stores with
-- fewer than 10 responses for a dimension are left out as too noisy.
-- Parameters: since, until (UTC).
SELECT
    dimension,
    rank() OVER (PARTITION BY dimension ORDER BY servqual_gap ASC) AS worst_rank,
    store_id,
    sum(responses) AS response_count,
    round(sum(expectation_sum) / response_count, 3) AS expectation,
    round(sum(perception_sum) / response_count, 3) AS perception,
    round((toInt64(sum(perception_sum)) - toInt64(sum(expectation_sum))) / response_count, 3)
        AS servqual_gap
FROM servqual_hour
WHERE bucket >= {since:DateTime} AND bucket < {until:DateTime}
GROUP BY dimension, store_id
HAVING response_count >= 10
ORDER BY dimension, worst_rank, store_id
