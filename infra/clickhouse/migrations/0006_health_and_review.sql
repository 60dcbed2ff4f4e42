-- Pipeline health and the classifier's review queue, for the ops dashboard and its alert rules.

-- Every worker writes one row per assigned partition every GAPWATCH_HEALTH_INTERVAL_SECONDS:
-- how far the partition's end is ahead of what the worker has written (lag, in messages).
CREATE TABLE IF NOT EXISTS pipeline_health (
    ts DateTime64(3, 'UTC'),
    worker LowCardinality(String),
    topic LowCardinality(String),
    partition UInt16,
    end_offset Int64,      -- the partition's high watermark
    written_offset Int64,  -- next offset the worker has not yet written (-1: nothing seen yet)
    lag Int64              -- end_offset − written_offset (or − the fetch position before any write)
) ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (topic, partition, ts)
TTL toDateTime(ts) + INTERVAL 30 DAY;

-- The confidence below which a prediction waits for a human; one row, the highest version
-- wins. Workers write GAPWATCH_REVIEW_THRESHOLD here at start.
CREATE TABLE IF NOT EXISTS review_settings (
    threshold Float32,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY tuple();

INSERT INTO review_settings SELECT 0.5, 0 WHERE (SELECT count() FROM review_settings) = 0;

-- Predictions below the threshold, queued in the same insert as the complaint (so a replayed
-- complaint, dropped as a duplicate, is never queued twice).
CREATE TABLE IF NOT EXISTS review_queue (
    complaint_id String,
    ts DateTime64(3, 'UTC'),
    store_id LowCardinality(String),
    channel LowCardinality(String),
    text String,
    gap LowCardinality(String),
    gap_confidence Float32,
    dimension LowCardinality(Nullable(String)),
    dimension_confidence Float32,
    model_version LowCardinality(String),
    queued_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY complaint_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS review_queue_mv TO review_queue AS
SELECT complaint_id, ts, store_id, channel, text, gap, gap_confidence, dimension,
       dimension_confidence, model_version
FROM complaints
WHERE gap_confidence < (SELECT argMax(threshold, version) FROM review_settings);

-- Complaints stored before this migration are queued once, at the default threshold.
INSERT INTO review_queue (complaint_id, ts, store_id, channel, text, gap, gap_confidence,
                          dimension, dimension_confidence, model_version)
SELECT complaint_id, ts, store_id, channel, text, gap, gap_confidence, dimension,
       dimension_confidence, model_version
FROM complaints
WHERE gap_confidence < 0.5 AND (SELECT count() FROM review_queue) = 0;
