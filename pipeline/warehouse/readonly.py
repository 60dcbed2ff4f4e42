"""Read-only queries for analysts, enforced by ClickHouse itself (readonly=1), on chDB too."""

from __future__ import annotations

from clickhouse_connect.driver.client import Client

from pipeline.warehouse.client import redact


class ReadOnlyError(RuntimeError):
    """The query would change data or settings, or ClickHouse rejected it."""


def read(client: Client, query: str) -> tuple[list[str], list[tuple]]:
    try:
        result = client.query(query, settings={"readonly": 1})
    except Exception as exc:
        message = redact(str(exc))
        if "READONLY" in message or "readonly mode" in message:
            raise ReadOnlyError(
                "gapwatch sql runs read-only queries only (SELECT, SHOW, DESCRIBE, EXPLAIN); "
                "this one would change data or settings"
            ) from None
        raise ReadOnlyError(f"query failed: {message.splitlines()[0][:500]}") from None
    return list(result.column_names), [tuple(r) for r in result.result_rows]
