"""Bring a warehouse up to date: migrations, then retention."""

from __future__ import annotations

from dataclasses import dataclass

from clickhouse_connect.driver.client import Client

from pipeline.config import Settings
from pipeline.warehouse.migrate import Migration, migrate
from pipeline.warehouse.retention import apply_retention


@dataclass(frozen=True)
class SetupReport:
    migrations: list[Migration]
    retention_changed: list[str]


def prepare_warehouse(client: Client, settings: Settings) -> SetupReport:
    applied = migrate(client, settings.infra_dir / "clickhouse" / "migrations")
    changed = apply_retention(client, settings.raw_retention_days, settings.rollup_retention_days)
    return SetupReport(applied, changed)
