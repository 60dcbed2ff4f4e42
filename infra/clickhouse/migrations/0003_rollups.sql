-- Analysts' rollups at minute and hour grain, all AggregatingMergeTree fed by materialized
-- views from the raw tables. Every measure is a SimpleAggregateFunction(sum, …): group by what
-- you need and sum the columns; ratios are sum(a) / sum(b), never an average of averages.
-- Replaces 0001's first per-minute rollups and backfills everything from the raw tables.

DROP VIEW IF EXISTS satisfaction_minute_mv;
DROP VIEW IF EXISTS complaints_minute_mv;
DROP TABLE IF EXISTS satisfaction_minute;
DROP TABLE IF EXISTS complaints_minute;

-- The agent a complaint is about, when the desk knows it (optional in the contract).
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS agent_id LowCardinality(Nullable(String)) AFTER order_id;

-- Satisfaction per minute, store and channel: mean = sum(score_sum) / sum(ratings),
-- share of 4–5 = sum(top2_ratings) / sum(ratings), distribution = score_1 … score_5.
CREATE TABLE IF NOT EXISTS satisfaction_minute (
    bucket DateTime('UTC'),
    store_id LowCardinality(String),
    channel LowCardinality(String),
    ratings SimpleAggregateFunction(sum, UInt64),
    score_sum SimpleAggregateFunction(sum, UInt64),
    top2_ratings SimpleAggregateFunction(sum, UInt64),
    score_1 SimpleAggregateFunction(sum, UInt64),
    score_2 SimpleAggregateFunction(sum, UInt64),
    score_3 SimpleAggregateFunction(sum, UInt64),
    score_4 SimpleAggregateFunction(sum, UInt64),
    score_5 SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (store_id, channel, bucket)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS satisfaction_minute_mv TO satisfaction_minute AS
SELECT
    toStartOfMinute(ts) AS bucket, store_id, channel,
    toUInt64(count()) AS ratings,
    toUInt64(sum(score)) AS score_sum,
    toUInt64(countIf(score >= 4)) AS top2_ratings,
    toUInt64(countIf(score = 1)) AS score_1,
    toUInt64(countIf(score = 2)) AS score_2,
    toUInt64(countIf(score = 3)) AS score_3,
    toUInt64(countIf(score = 4)) AS score_4,
    toUInt64(countIf(score = 5)) AS score_5
FROM satisfaction_events
GROUP BY bucket, store_id, channel;

-- SERVQUAL gap 5 measured from surveys, per minute, store, channel and dimension, over the
-- ratings that carry both an expectation and a perception for that dimension:
-- perception − expectation = (sum(perception_sum) − sum(expectation_sum)) / sum(responses).
CREATE TABLE IF NOT EXISTS servqual_minute (
    bucket DateTime('UTC'),
    store_id LowCardinality(String),
    channel LowCardinality(String),
    dimension LowCardinality(String),
    responses SimpleAggregateFunction(sum, UInt64),
    expectation_sum SimpleAggregateFunction(sum, UInt64),
    perception_sum SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (store_id, channel, dimension, bucket)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS servqual_minute_mv TO servqual_minute AS
SELECT
    toStartOfMinute(ts) AS bucket, store_id, channel, dimension,
    toUInt64(count()) AS responses,
    toUInt64(sum(expectation[dimension])) AS expectation_sum,
    toUInt64(sum(perception[dimension])) AS perception_sum
FROM satisfaction_events
ARRAY JOIN mapKeys(perception) AS dimension
WHERE mapContains(expectation, dimension)
GROUP BY bucket, store_id, channel, dimension;

-- Complaints per minute, store, channel, predicted gap and dimension ('none' when the model
-- names none); mean confidence = sum(gap_confidence_sum) / sum(complaints).
CREATE TABLE IF NOT EXISTS complaints_minute (
    bucket DateTime('UTC'),
    store_id LowCardinality(String),
    channel LowCardinality(String),
    gap LowCardinality(String),
    dimension LowCardinality(String),
    complaints SimpleAggregateFunction(sum, UInt64),
    gap_confidence_sum SimpleAggregateFunction(sum, Float64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (store_id, channel, gap, dimension, bucket)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS complaints_minute_mv TO complaints_minute AS
SELECT
    toStartOfMinute(ts) AS bucket, store_id, channel, gap,
    ifNull(dimension, 'none') AS dimension,
    toUInt64(count()) AS complaints,
    sum(toFloat64(gap_confidence)) AS gap_confidence_sum
FROM complaints
GROUP BY bucket, store_id, channel, gap, dimension;

-- Satisfaction per hour, store and channel: mean = sum(score_sum) / sum(ratings),
-- share of 4–5 = sum(top2_ratings) / sum(ratings), distribution = score_1 … score_5.
CREATE TABLE IF NOT EXISTS satisfaction_hour (
    bucket DateTime('UTC'),
    store_id LowCardinality(String),
    channel LowCardinality(String),
    ratings SimpleAggregateFunction(sum, UInt64),
    score_sum SimpleAggregateFunction(sum, UInt64),
    top2_ratings SimpleAggregateFunction(sum, UInt64),
    score_1 SimpleAggregateFunction(sum, UInt64),
    score_2 SimpleAggregateFunction(sum, UInt64),
    score_3 SimpleAggregateFunction(sum, UInt64),
    score_4 SimpleAggregateFunction(sum, UInt64),
    score_5 SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (store_id, channel, bucket)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS satisfaction_hour_mv TO satisfaction_hour AS
SELECT
    toStartOfHour(ts) AS bucket, store_id, channel,
    toUInt64(count()) AS ratings,
    toUInt64(sum(score)) AS score_sum,
    toUInt64(countIf(score >= 4)) AS top2_ratings,
    toUInt64(countIf(score = 1)) AS score_1,
    toUInt64(countIf(score = 2)) AS score_2,
    toUInt64(countIf(score = 3)) AS score_3,
    toUInt64(countIf(score = 4)) AS score_4,
    toUInt64(countIf(score = 5)) AS score_5
FROM satisfaction_events
GROUP BY bucket, store_id, channel;

-- SERVQUAL gap 5 measured from surveys, per hour, store, channel and dimension, over the
-- ratings that carry both an expectation and a perception for that dimension:
-- perception − expectation = (sum(perception_sum) − sum(expectation_sum)) / sum(responses).
CREATE TABLE IF NOT EXISTS servqual_hour (
    bucket DateTime('UTC'),
    store_id LowCardinality(String),
    channel LowCardinality(String),
    dimension LowCardinality(String),
    responses SimpleAggregateFunction(sum, UInt64),
    expectation_sum SimpleAggregateFunction(sum, UInt64),
    perception_sum SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (store_id, channel, dimension, bucket)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS servqual_hour_mv TO servqual_hour AS
SELECT
    toStartOfHour(ts) AS bucket, store_id, channel, dimension,
    toUInt64(count()) AS responses,
    toUInt64(sum(expectation[dimension])) AS expectation_sum,
    toUInt64(sum(perception[dimension])) AS perception_sum
FROM satisfaction_events
ARRAY JOIN mapKeys(perception) AS dimension
WHERE mapContains(expectation, dimension)
GROUP BY bucket, store_id, channel, dimension;

-- Complaints per hour, store, channel, predicted gap and dimension ('none' when the model
-- names none); mean confidence = sum(gap_confidence_sum) / sum(complaints).
CREATE TABLE IF NOT EXISTS complaints_hour (
    bucket DateTime('UTC'),
    store_id LowCardinality(String),
    channel LowCardinality(String),
    gap LowCardinality(String),
    dimension LowCardinality(String),
    complaints SimpleAggregateFunction(sum, UInt64),
    gap_confidence_sum SimpleAggregateFunction(sum, Float64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (store_id, channel, gap, dimension, bucket)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS complaints_hour_mv TO complaints_hour AS
SELECT
    toStartOfHour(ts) AS bucket, store_id, channel, gap,
    ifNull(dimension, 'none') AS dimension,
    toUInt64(count()) AS complaints,
    sum(toFloat64(gap_confidence)) AS gap_confidence_sum
FROM complaints
GROUP BY bucket, store_id, channel, gap, dimension;

INSERT INTO satisfaction_minute
SELECT toStartOfMinute(ts) AS bucket, store_id, channel, count(), sum(score), countIf(score >= 4),
       countIf(score = 1), countIf(score = 2), countIf(score = 3), countIf(score = 4),
       countIf(score = 5)
FROM satisfaction_events
WHERE (SELECT count() FROM satisfaction_minute) = 0
GROUP BY bucket, store_id, channel;

INSERT INTO servqual_minute
SELECT toStartOfMinute(ts) AS bucket, store_id, channel, dimension, count(),
       sum(expectation[dimension]), sum(perception[dimension])
FROM satisfaction_events
ARRAY JOIN mapKeys(perception) AS dimension
WHERE mapContains(expectation, dimension) AND (SELECT count() FROM servqual_minute) = 0
GROUP BY bucket, store_id, channel, dimension;

INSERT INTO complaints_minute
SELECT toStartOfMinute(ts) AS bucket, store_id, channel, gap, ifNull(dimension, 'none') AS dimension,
       count(), sum(toFloat64(gap_confidence))
FROM complaints
WHERE (SELECT count() FROM complaints_minute) = 0
GROUP BY bucket, store_id, channel, gap, dimension;

INSERT INTO satisfaction_hour
SELECT toStartOfHour(ts) AS bucket, store_id, channel, count(), sum(score), countIf(score >= 4),
       countIf(score = 1), countIf(score = 2), countIf(score = 3), countIf(score = 4),
       countIf(score = 5)
FROM satisfaction_events
WHERE (SELECT count() FROM satisfaction_hour) = 0
GROUP BY bucket, store_id, channel;

INSERT INTO servqual_hour
SELECT toStartOfHour(ts) AS bucket, store_id, channel, dimension, count(),
       sum(expectation[dimension]), sum(perception[dimension])
FROM satisfaction_events
ARRAY JOIN mapKeys(perception) AS dimension
WHERE mapContains(expectation, dimension) AND (SELECT count() FROM servqual_hour) = 0
GROUP BY bucket, store_id, channel, dimension;

INSERT INTO complaints_hour
SELECT toStartOfHour(ts) AS bucket, store_id, channel, gap, ifNull(dimension, 'none') AS dimension,
       count(), sum(toFloat64(gap_confidence))
FROM complaints
WHERE (SELECT count() FROM complaints_hour) = 0
GROUP BY bucket, store_id, channel, gap, dimension;
