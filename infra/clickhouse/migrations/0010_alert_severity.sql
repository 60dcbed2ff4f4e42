-- An alert's severity, set by the size of the drop (README, "Alerting on satisfaction
-- drops"): 'page' for a drop of 15 points or more and for a missed service level, 'watch'
-- for a smaller one. Last in the row, so a block the write ledger kept from before this
-- migration is completed with the default when it is repaired.
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS severity LowCardinality(String) DEFAULT 'page';
