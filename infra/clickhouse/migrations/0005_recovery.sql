-- Service recovery: every complaint's steps from receipt to resolution, its lifecycle, and
-- what links ratings to complaints (customer_id).

ALTER TABLE satisfaction_events ADD COLUMN IF NOT EXISTS customer_id Nullable(String) AFTER agent_id;

ALTER TABLE alerts ADD COLUMN IF NOT EXISTS kind LowCardinality(String) DEFAULT 'satisfaction_drop' AFTER alert_id;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS complaint_id String DEFAULT '' AFTER channel;

CREATE TABLE IF NOT EXISTS complaint_updates (
    complaint_id String,
    ts DateTime64(3, 'UTC'),
    status LowCardinality(String),         -- acknowledged, resolved, reopened, closed
    agent_id LowCardinality(Nullable(String)),
    recovery_score Nullable(UInt8),        -- the customer's satisfaction with the recovery, 1–5
    note Nullable(String),
    source_partition UInt16,
    source_offset UInt64,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (complaint_id, ts, status)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS complaint_updates_keys_mv TO ingested_keys AS
SELECT 'complaint_updates' AS tbl,
       concat(complaint_id, '|', status, '|', toString(toUnixTimestamp64Milli(ts))) AS key
FROM complaint_updates;

-- One row per received complaint: where it stands and how its recovery went. Updates are
-- ordered by their event time, so late or out-of-order arrivals change nothing; steps that
-- make no sense in that order are kept and explained in `issues`.
CREATE OR REPLACE VIEW complaint_lifecycle AS
SELECT
    c.complaint_id AS complaint_id,
    c.ts AS received_at,
    c.store_id AS store_id,
    c.channel AS channel,
    c.gap AS gap,
    ifNull(c.dimension, 'none') AS dimension,
    c.customer_id AS customer_id,
    -- ifNull: unmatched rows read the same whatever join_use_nulls the reader has.
    if(ifNull(u.has_updates, 0) = 0, 'received', u.last_status) AS status,
    u.first_response_at AS first_response_at,
    u.first_resolved_at AS first_resolved_at,
    if(u.last_status IN ('resolved', 'closed'), u.last_resolved_at, NULL) AS resolved_at,
    ifNull(u.reopens, 0) AS reopens,
    u.recovery_score AS recovery_score,
    dateDiff('second', c.ts, u.first_response_at) / 60 AS minutes_to_first_response,
    dateDiff('second', c.ts, u.first_resolved_at) / 3600 AS hours_to_resolution,
    arrayFilter(x -> x != '', [
        if(ifNull(u.has_updates, 0) = 1 AND u.first_step_at < c.ts,
           'an update is dated before the complaint was received', ''),
        if(u.first_reopen_at IS NOT NULL AND (u.first_resolved_at IS NULL OR u.first_reopen_at < u.first_resolved_at),
           'reopened before it was ever resolved', ''),
        if(ifNull(u.ack_after_resolution, 0) = 1, 'acknowledged after it was already resolved', '')
    ]) AS issues
FROM complaints AS c
LEFT JOIN
(
    SELECT
        complaint_id,
        toUInt8(1) AS has_updates,
        argMax(status, ts) AS last_status,
        min(ts) AS first_step_at,
        minIf(toNullable(ts), status IN ('acknowledged', 'resolved', 'closed')) AS first_response_at,
        minIf(toNullable(ts), status IN ('resolved', 'closed')) AS first_resolved_at,
        maxIf(toNullable(ts), status IN ('resolved', 'closed')) AS last_resolved_at,
        minIf(toNullable(ts), status = 'reopened') AS first_reopen_at,
        countIf(status = 'reopened') AS reopens,
        argMaxIf(recovery_score, ts, recovery_score IS NOT NULL) AS recovery_score,
        maxIf(ts, status = 'acknowledged') > minIf(ts, status IN ('resolved', 'closed'))
            AND countIf(status IN ('resolved', 'closed')) > 0
            AND countIf(status = 'reopened') = 0 AS ack_after_resolution
    FROM complaint_updates
    GROUP BY complaint_id
) AS u ON c.complaint_id = u.complaint_id;

-- Updates whose complaint never arrived (or has not arrived yet): kept, and said so.
CREATE OR REPLACE VIEW orphan_complaint_updates AS
SELECT complaint_id, ts, status, agent_id, recovery_score, source_partition, source_offset,
       'no complaint with this id has been received (yet)' AS reason
FROM complaint_updates
WHERE complaint_id NOT IN (SELECT complaint_id FROM complaints);
