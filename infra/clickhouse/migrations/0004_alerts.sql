-- Alerts on satisfaction drops: one row per alert, rewritten with a higher version when it
-- resolves. Read with FINAL (or argMax by version) for each alert's latest state.
CREATE TABLE IF NOT EXISTS alerts (
    alert_id String,
    scope LowCardinality(String),          -- overall, store or store_channel
    store_id LowCardinality(String),       -- '' for overall
    channel LowCardinality(String),        -- '' unless store_channel
    opened_at DateTime('UTC'),             -- event time
    resolved_at Nullable(DateTime('UTC')), -- event time; NULL while open
    trigger LowCardinality(String),        -- cusum (sustained) or sudden
    baseline Float32,                      -- share of 4–5 expected at that hour
    current Float32,                       -- share of 4–5 behind the evidence
    drop Float32,                          -- baseline − current
    baseline_mean Float32,
    current_mean Float32,
    ratings UInt32,
    evidence_from DateTime('UTC'),
    evidence_to DateTime('UTC'),
    gaps Map(LowCardinality(String), UInt32),        -- complaints of the scope and span by gap
    dimensions Map(LowCardinality(String), UInt32),  -- … and by SERVQUAL dimension
    top_terms Array(String),
    likely_cause String,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(opened_at)
ORDER BY alert_id;
