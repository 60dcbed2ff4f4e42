-- Delivery that survives a kill at any instant (docs/delivery.md).

-- The write ledger: before a worker inserts a block, it records the block (the exact bytes
-- it will send) and its deduplication token here as pending; once the insert has returned,
-- it records the block as done. A worker that is assigned partitions first re-inserts every
-- pending block with its own token: ClickHouse drops what had landed, in the table and in
-- each materialized view, and writes what had not. Pending blocks are never older than a
-- crash; done ones are kept a week for the record.
CREATE TABLE IF NOT EXISTS write_ledger (
    token String,
    tbl LowCardinality(String),
    columns Array(String),           -- the block's columns, as written: a table may gain some
    rows UInt32,
    payload String CODEC(ZSTD(1)),   -- JSONCompactEachRow, as inserted; empty once done
    state UInt8,                     -- 1 pending, 2 done: the highest wins
    worker LowCardinality(String),
    at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(state)
ORDER BY token
TTL toDateTime(at) + INTERVAL 7 DAY;

-- A re-inserted block is recognised among the last N blocks of each table; ten thousand
-- leaves room for many workers inserting while a crashed one's partitions move.
ALTER TABLE satisfaction_events MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE complaints MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE complaint_updates MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE dead_letters MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE satisfaction_minute MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE satisfaction_hour MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE servqual_minute MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE servqual_hour MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE complaints_minute MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE complaints_hour MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE ingested_keys MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE review_queue MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE alerts MODIFY SETTING non_replicated_deduplication_window = 10000;

-- Dead letters keyed by what cannot repeat: the cluster, the position and the record's own
-- timestamp and bytes. Offsets start again at 0 on a new broker or a recreated topic; the
-- cluster id and the content tell those messages apart. The original key and headers are
-- kept, so a replay sends the message exactly as it came.
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS dead_letter_id String
    DEFAULT concat(source_topic, ':', toString(partition), ':', toString(offset)) FIRST;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS cluster_id LowCardinality(String) DEFAULT '' AFTER source_topic;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS key Nullable(String) AFTER value_encoding;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS key_encoding LowCardinality(String) DEFAULT 'utf-8' AFTER key;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS headers Array(Tuple(name String, value_base64 String)) AFTER key_encoding;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS timestamp Nullable(DateTime64(3, 'UTC')) AFTER headers;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS replay_of String DEFAULT '' AFTER timestamp;
ALTER TABLE dead_letters MATERIALIZE COLUMN dead_letter_id;

DROP VIEW IF EXISTS dead_letters_keys_mv;
CREATE MATERIALIZED VIEW IF NOT EXISTS dead_letters_keys_mv TO ingested_keys AS
SELECT 'dead_letters' AS tbl, dead_letter_id AS key FROM dead_letters;

-- Dead letters sent back to their topic by `gapwatch dead-letters replay`: each once. A
-- replayed message that fails again becomes a new dead letter whose id derives from the one
-- it replays, so a replay sent twice (a crash before it was recorded) is counted once.
CREATE TABLE IF NOT EXISTS dead_letter_replays (
    dead_letter_id String,
    source_topic LowCardinality(String),
    replayed_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
ORDER BY dead_letter_id;

-- Alerts at least once: every row written to `alerts` (an alert opened, then resolved) is
-- also written, by this view in the same insert, to the outbox; a worker sends what the
-- outbox holds and a target has not acknowledged, and records each delivery.
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS payload String DEFAULT '' CODEC(ZSTD(1));

CREATE TABLE IF NOT EXISTS alert_outbox (
    alert_id String,
    version UInt64,
    kind LowCardinality(String),
    payload String CODEC(ZSTD(1)),
    created_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
ORDER BY (alert_id, version)
TTL toDateTime(created_at) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS alert_outbox_mv TO alert_outbox AS
SELECT alert_id, version, kind, payload FROM alerts;

CREATE TABLE IF NOT EXISTS alert_deliveries (
    alert_id String,
    version UInt64,
    target LowCardinality(String),   -- topic or webhook
    delivered_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
ORDER BY (target, alert_id, version)
TTL toDateTime(delivered_at) + INTERVAL 30 DAY;

-- Messages a worker has taken from Kafka but not yet written: behind, not lost.
ALTER TABLE pipeline_health ADD COLUMN IF NOT EXISTS in_flight Int64 DEFAULT 0;
