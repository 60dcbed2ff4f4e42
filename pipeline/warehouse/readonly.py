"""Read-only queries for analysts, enforced by ClickHouse itself (readonly=1), on chDB too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pyarrow as pa
from clickhouse_connect.driver.client import Client

from pipeline.warehouse.client import redact

T = TypeVar("T")
READ_ONLY = {"readonly": 1}


class ReadOnlyError(RuntimeError):
    """The query would change data or settings, or ClickHouse rejected it."""


@contextmanager
def _guarded() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        message = redact(str(exc))
        if "READONLY" in message or "readonly mode" in message:
            raise ReadOnlyError(
                "gapwatch runs read-only queries only (SELECT, SHOW, DESCRIBE, EXPLAIN); "
                "this one would change data or settings"
            ) from None
        raise ReadOnlyError(f"query failed: {message.splitlines()[0][:500]}") from None


def _run(fn: Callable[[], T]) -> T:
    with _guarded():
        return fn()


def read(
    client: Client, query: str, parameters: dict[str, Any] | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    result = _run(lambda: client.query(query, parameters=parameters, settings=READ_ONLY))
    return list(result.column_names), [tuple(r) for r in result.result_rows]


def read_arrow(client: Client, query: str, parameters: dict[str, Any] | None = None) -> pa.Table:
    return _run(lambda: client.query_arrow(query, parameters=parameters, settings=READ_ONLY))
