"""The store directory: each store's region and brand (table ``stores``, migration 0011).

Ops teams keep it as a CSV with the columns ``store_id,region,brand`` and load it with
``gapwatch stores load FILE.csv``; the alert runner reads it to pool stores into region and
brand scopes. A store may leave region or brand empty: it then joins no such scope.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from clickhouse_connect.driver.client import Client

_COLUMNS = ("store_id", "region", "brand")


@dataclass(frozen=True)
class StoreGroup:
    region: str
    brand: str


Directory = dict[str, StoreGroup]


class DirectoryError(ValueError):
    """A store directory file that cannot be loaded as it is; the message says where."""


def parse_csv(text: str) -> Directory:
    """A directory from CSV text with a header naming at least store_id, region and brand."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DirectoryError(
            f"the header lacks {', '.join(missing)} (expected the columns {','.join(_COLUMNS)})"
        )
    directory: Directory = {}
    for line, row in enumerate(reader, start=2):
        store = (row["store_id"] or "").strip()
        if not store:
            raise DirectoryError(f"line {line}: store_id is empty")
        if store in directory:
            raise DirectoryError(f"line {line}: store {store} is listed twice")
        directory[store] = StoreGroup((row["region"] or "").strip(), (row["brand"] or "").strip())
    if not directory:
        raise DirectoryError("no stores listed")
    return directory


def write_directory(client: Client, directory: Directory) -> int:
    """Record the stores' groups (a store listed again replaces its earlier row)."""
    now = datetime.now(UTC)
    rows = [(store, g.region, g.brand, now) for store, g in sorted(directory.items())]
    client.insert("stores", rows, column_names=[*_COLUMNS, "updated_at"])
    return len(rows)


def read_directory(client: Client) -> Directory:
    rows = client.query("SELECT store_id, region, brand FROM stores FINAL").result_rows
    return {store: StoreGroup(region, brand) for store, region, brand in rows}
