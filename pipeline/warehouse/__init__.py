"""ClickHouse: one client chosen by DSN, versioned schema, the tables agents write to."""

from pipeline.warehouse.client import WarehouseError, chdb_path, connect, redact
from pipeline.warehouse.migrate import migrate

__all__ = ["WarehouseError", "chdb_path", "connect", "migrate", "redact"]
