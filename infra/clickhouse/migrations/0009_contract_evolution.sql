-- Contracts that evolve without stopping ingestion (README, "Message contracts").
--
-- schema_version: the version of its contract a message was written against (absent: 1).
-- extra: the fields its contract did not know, as one JSON object, by value ('{}': none, or
-- GAPWATCH_UNKNOWN_FIELDS=ignore); read them with JSONExtract*, e.g.
--   SELECT JSONExtractString(extra, 'loyalty_tier') FROM satisfaction_events
-- and copy them into a real column once the contract knows the field.
--
-- Both come last, in this order: a block the write ledger kept from before this migration
-- has shorter rows, which ClickHouse completes with these defaults when it is repaired.
-- Rows, keys and the ingested_keys views are unchanged.
ALTER TABLE satisfaction_events ADD COLUMN IF NOT EXISTS schema_version UInt16 DEFAULT 1;
ALTER TABLE satisfaction_events ADD COLUMN IF NOT EXISTS extra String DEFAULT '{}' CODEC(ZSTD(1));
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS schema_version UInt16 DEFAULT 1;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS extra String DEFAULT '{}' CODEC(ZSTD(1));
ALTER TABLE complaint_updates ADD COLUMN IF NOT EXISTS schema_version UInt16 DEFAULT 1;
ALTER TABLE complaint_updates ADD COLUMN IF NOT EXISTS extra String DEFAULT '{}' CODEC(ZSTD(1));
