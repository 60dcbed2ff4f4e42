-- Users for a ClickHouse server. `gapwatch warehouse access` fills in the SHA-256 hashes of
-- the passwords from GAPWATCH_CH_WRITER_PASSWORD, GAPWATCH_CH_ANALYST_PASSWORD and
-- GAPWATCH_CH_GRAFANA_PASSWORD; the passwords themselves are never sent or printed.
-- OR REPLACE rotates a password on re-run; the grants below restore the roles.

CREATE USER OR REPLACE gapwatch_writer IDENTIFIED WITH sha256_hash BY '{writer_sha256}';
GRANT gapwatch_writer TO gapwatch_writer;

CREATE USER OR REPLACE gapwatch_analyst IDENTIFIED WITH sha256_hash BY '{analyst_sha256}'
    SETTINGS PROFILE 'gapwatch_analyst_profile';
GRANT gapwatch_analyst TO gapwatch_analyst;

CREATE USER OR REPLACE gapwatch_grafana IDENTIFIED WITH sha256_hash BY '{grafana_sha256}'
    SETTINGS PROFILE 'gapwatch_grafana_profile';
GRANT gapwatch_analyst TO gapwatch_grafana;
