-- Idempotent writes: every row a worker inserts leaves its key here, through materialized
-- views in the same insert. Before inserting a batch, a worker drops the rows whose keys are
-- already present, so replays after a crash and ids published twice count once.
-- Ordered by (tbl, key): a batch's lookup reads only the granules holding its keys.

CREATE TABLE IF NOT EXISTS ingested_keys (
    tbl LowCardinality(String),
    key String,
    ingested_at DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree
ORDER BY (tbl, key)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS satisfaction_events_keys_mv TO ingested_keys AS
SELECT 'satisfaction_events' AS tbl, event_id AS key FROM satisfaction_events;

CREATE MATERIALIZED VIEW IF NOT EXISTS complaints_keys_mv TO ingested_keys AS
SELECT 'complaints' AS tbl, complaint_id AS key FROM complaints;

-- A dead letter is identified by where its message sat: topic, partition, offset.
CREATE MATERIALIZED VIEW IF NOT EXISTS dead_letters_keys_mv TO ingested_keys AS
SELECT 'dead_letters' AS tbl, concat(source_topic, ':', toString(partition), ':', toString(offset)) AS key
FROM dead_letters;
