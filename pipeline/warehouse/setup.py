"""Bring a warehouse up to date: migrations, retention, and the review threshold."""

from __future__ import annotations

from dataclasses import dataclass

from clickhouse_connect.driver.client import Client

from pipeline.config import Settings
from pipeline.warehouse.migrate import Migration, migrate
from pipeline.warehouse.retention import apply_retention

_THRESHOLD = "SELECT argMax(threshold, version), max(version) FROM review_settings"


@dataclass(frozen=True)
class SetupReport:
    migrations: list[Migration]
    retention_changed: list[str]
    review_threshold_set: float | None  # the new threshold, when this run changed it


def prepare_warehouse(client: Client, settings: Settings) -> SetupReport:
    applied = migrate(client, settings.infra_dir / "clickhouse" / "migrations")
    changed = apply_retention(
        client, settings.warehouse.raw_retention_days, settings.warehouse.rollup_retention_days
    )
    threshold_changed = set_review_threshold(client, settings.classifier.review_threshold)
    return SetupReport(
        applied, changed, settings.classifier.review_threshold if threshold_changed else None
    )


def set_review_threshold(client: Client, threshold: float) -> bool:
    """The review_queue view reads its threshold from the warehouse; True if this changed it."""
    current, version = client.query(_THRESHOLD).result_rows[0]
    if abs(current - threshold) < 1e-6:
        return False
    client.insert(
        "review_settings", [(threshold, version + 1)], column_names=["threshold", "version"]
    )
    return True
