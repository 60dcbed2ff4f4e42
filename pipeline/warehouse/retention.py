"""Retention as TTLs, from settings: raw rows (and their keys) and rollups separately."""

from __future__ import annotations

import logging

from clickhouse_connect.driver.client import Client

log = logging.getLogger(__name__)

# Table → the time its rows age by.
RAW = {
    "satisfaction_events": "toDateTime(ts)",
    "complaints": "toDateTime(ts)",
    "dead_letters": "toDateTime(received_at)",
    # A key is only needed while its message could still be replayed.
    "ingested_keys": "ingested_at",
}
ROLLUPS = {
    f"{measure}_{grain}": "bucket"
    for measure in ("satisfaction", "servqual", "complaints")
    for grain in ("minute", "hour")
}


def apply_retention(client: Client, raw_days: int, rollup_days: int) -> list[str]:
    """Set each table's TTL when it differs; return the tables changed."""
    if raw_days < 1 or rollup_days < 1:
        raise ValueError("retention must be at least 1 day")
    engines: dict[str, str] = {
        name: engine
        for name, engine in client.query(
            "SELECT name, engine_full FROM system.tables WHERE database = currentDatabase()"
        ).result_rows
    }
    changed = []
    for tables, days in ((RAW, raw_days), (ROLLUPS, rollup_days)):
        for table, age in tables.items():
            if f"TTL {age} + toIntervalDay({days})" in engines.get(table, ""):
                continue
            # Existing parts are not rewritten now; merges drop expired rows over time.
            client.command(
                f"ALTER TABLE {table} MODIFY TTL {age} + INTERVAL {int(days)} DAY",
                settings={"materialize_ttl_after_modify": 0},
            )
            log.info("retention of %s set to %d days", table, days)
            changed.append(table)
    return changed
