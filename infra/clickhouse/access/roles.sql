-- Roles and settings profiles for a ClickHouse server (chDB has no access control).
-- Applied by `gapwatch warehouse access`, which fills in {database}. No secrets here.

-- The pipeline: writes rows, and runs migrations (DDL) at start.
CREATE ROLE IF NOT EXISTS gapwatch_writer;
GRANT SELECT, INSERT, CREATE TABLE, CREATE VIEW, ALTER TABLE, ALTER VIEW, DROP TABLE, DROP VIEW
    ON {database}.* TO gapwatch_writer;

-- Analysts: read everything, change nothing; long queries are capped.
CREATE ROLE IF NOT EXISTS gapwatch_analyst;
GRANT SELECT ON {database}.* TO gapwatch_analyst;
CREATE SETTINGS PROFILE OR REPLACE gapwatch_analyst_profile
    SETTINGS readonly = 1, max_execution_time = 300 CHANGEABLE_IN_READONLY,
    max_memory_usage = 8000000000;

-- Grafana: read-only, yet allowed to set max_execution_time per panel query.
CREATE SETTINGS PROFILE OR REPLACE gapwatch_grafana_profile
    SETTINGS readonly = 1, max_execution_time = 30 CHANGEABLE_IN_READONLY;
