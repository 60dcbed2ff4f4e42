-- Raw rows as accepted from Kafka, one row per distinct event or complaint,
-- and per-minute rollups per store and channel fed by materialized views.
-- All timestamps are event time in UTC.

CREATE TABLE IF NOT EXISTS satisfaction_events (
    event_id String,
    ts DateTime64(3, 'UTC'),
    store_id LowCardinality(String),
    channel LowCardinality(String),
    agent_id LowCardinality(Nullable(String)),
    score UInt8,
    expectation Map(LowCardinality(String), UInt8),
    perception Map(LowCardinality(String), UInt8),
    source_partition UInt16,
    source_offset UInt64,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (store_id, channel, ts, event_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS complaints (
    complaint_id String,
    ts DateTime64(3, 'UTC'),
    store_id LowCardinality(String),
    channel LowCardinality(String),
    text String,
    customer_id Nullable(String),
    order_id Nullable(String),
    gap LowCardinality(String),
    gap_confidence Float32,
    dimension LowCardinality(Nullable(String)),
    dimension_confidence Float32,
    model_version LowCardinality(String),
    terms Array(String),
    source_partition UInt16,
    source_offset UInt64,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (store_id, channel, ts, complaint_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS dead_letters (
    source_topic LowCardinality(String),
    partition UInt16,
    offset UInt64,
    reason String,
    value String,
    value_encoding LowCardinality(String),
    received_at DateTime64(3, 'UTC'),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (source_topic, received_at, partition, offset)
SETTINGS non_replicated_deduplication_window = 1000;

-- Satisfaction per minute, store and channel: average = score_sum / ratings,
-- share of 4–5 scores = top2_ratings / ratings. Sum the columns when grouping.
CREATE TABLE IF NOT EXISTS satisfaction_minute (
    minute DateTime('UTC'),
    store_id LowCardinality(String),
    channel LowCardinality(String),
    ratings SimpleAggregateFunction(sum, UInt64),
    score_sum SimpleAggregateFunction(sum, UInt64),
    top2_ratings SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (store_id, channel, minute)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS satisfaction_minute_mv TO satisfaction_minute AS
SELECT
    toStartOfMinute(ts) AS minute,
    store_id,
    channel,
    toUInt64(count()) AS ratings,
    toUInt64(sum(score)) AS score_sum,
    toUInt64(countIf(score >= 4)) AS top2_ratings
FROM satisfaction_events
GROUP BY minute, store_id, channel;

-- Complaints per minute, store, channel and predicted gap.
CREATE TABLE IF NOT EXISTS complaints_minute (
    minute DateTime('UTC'),
    store_id LowCardinality(String),
    channel LowCardinality(String),
    gap LowCardinality(String),
    complaints SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (store_id, channel, gap, minute)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS complaints_minute_mv TO complaints_minute AS
SELECT
    toStartOfMinute(ts) AS minute,
    store_id,
    channel,
    gap,
    toUInt64(count()) AS complaints
FROM complaints
GROUP BY minute, store_id, channel, gap;
