-- Human labels from the review loop (`gapwatch review import`): one row per labeled text,
-- re-imports of the same id replace it. `gapwatch train` adds them to the corpus.
CREATE TABLE IF NOT EXISTS review_labels (
    label_id String,                       -- the complaint id when given, else a hash of the text
    text String,
    gap LowCardinality(String),
    dimension LowCardinality(Nullable(String)),
    source LowCardinality(String),         -- the file it was imported from
    imported_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(imported_at)
ORDER BY label_id;
