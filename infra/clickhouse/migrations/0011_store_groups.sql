-- Which region and brand each store belongs to (`gapwatch stores load FILE.csv`): the alert
-- runner pools every store of a region, and of a brand, into a scope of its own, so stores
-- too quiet to page on their own are still watched by a scope that can (README, "Alerting
-- on satisfaction drops"). The latest row of a store wins.
CREATE TABLE IF NOT EXISTS stores (
    store_id String,
    region LowCardinality(String),
    brand LowCardinality(String),
    updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY store_id;

-- A region or brand alert's group ('' for other scopes). Last in the row, as severity was.
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS scope_group LowCardinality(String) DEFAULT '';
