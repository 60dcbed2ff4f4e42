"""Reads through a running worker: the subset of ClickHouse's HTTP interface that
clickhouse-connect speaks, served beside /stats/ and answered by the worker's own client.

chDB lets one process open a data path, and on the embedded stack that process is the
worker. So that analysts can query while it runs, `pipeline.warehouse.connect` gives other
processes an ordinary clickhouse-connect HTTP client pointed here when the path is taken:
the same client API and SQL, with the worker's engine behind it. Queries run read-only
(ClickHouse's own `readonly`, as `gapwatch sql` sets it); the writes allowed are the
operators' own tables: inserts into `review_labels` (`gapwatch review import`) and `stores`
(`gapwatch stores load`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from clickhouse_connect.driver.client import Client
from faust.web import View

from pipeline.warehouse.client import redact
from pipeline.warehouse.holder import PROXY_PATH as PATH

# Parameters of ClickHouse's HTTP interface that are about the request, not settings.
_REQUEST_PARAMS = {
    "query",
    "database",
    "default_format",
    "query_id",
    "session_id",
    "session_timeout",
    "wait_end_of_query",
    "send_progress_in_http_headers",
    "http_headers_progress_interval_ms",
    "enable_http_compression",
    "compress",
    "decompress",
    "user",
    "password",
    "readonly",
}
_FORMAT = re.compile(r"\bFORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)
_OPERATOR_INSERT = re.compile(
    r"^\s*INSERT\s+INTO\s+`?(review_labels|stores)`?\s*\(([^)]*)\)\s*FORMAT\s+(\w+)\s*$",
    re.IGNORECASE,
)
_CODE = re.compile(r"Code:\s*(\d+)")
_HANDSHAKE = "SELECT name, value, readonly FROM system.settings LIMIT 10000"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
InIO = Callable[[Callable[[], Any]], Awaitable[Any]]


def register(app: faust.App, client: Client, in_io: InIO) -> None:
    """Serve ``PATH`` on the worker's web server."""

    @app.page(PATH)
    class Warehouse(View):
        async def get(self, request: Any) -> Any:
            return await self.post(request)

        async def post(self, request: Any) -> Any:
            params = dict(request.query)
            body = await request.read()
            try:
                data, fmt = await in_io(lambda: answer(client, params, body))
            except Exception as exc:
                message = redact(str(exc)).strip() or type(exc).__name__
                match = _CODE.search(message)
                return self.bytes(
                    message.encode(),
                    status=500,
                    headers={"X-ClickHouse-Exception-Code": match.group(1) if match else "1002"},
                )
            return self.bytes(
                data,
                headers={
                    "X-ClickHouse-Format": fmt,
                    "X-ClickHouse-Timezone": "UTC",
                    "X-ClickHouse-Summary": "{}",
                },
            )


def answer(client: Client, params: dict[str, str], body: bytes) -> tuple[bytes, str]:
    """Run one request of ClickHouse's HTTP interface; returns the body and its format."""
    settings = {
        k: v for k, v in params.items() if k not in _REQUEST_PARAMS and not k.startswith("param_")
    }
    bind = {k[len("param_") :]: v for k, v in params.items() if k.startswith("param_")}
    query = params.get("query")
    if query is None and body[:6].upper() == b"INSERT":
        # clickhouse-connect sends an insert's statement as the body's first line.
        head, _, body = body.partition(b"\n")
        query = head.decode("utf-8")
    if query is not None and (body or query.lstrip()[:6].upper() == "INSERT"):
        insert = _OPERATOR_INSERT.match(query)
        if insert is None:
            raise PermissionError(
                "Code: 164. DB::Exception: the worker answers read-only queries only; the "
                "writes it accepts are inserts into review_labels and stores (READONLY)"
            )
        table, fmt = insert.group(1).lower(), insert.group(3)
        columns = [c.strip(" `") for c in insert.group(2).split(",")]
        client.raw_insert(table, columns, insert_block=body, fmt=fmt)
        return b"", fmt
    sql = query if query is not None else body.decode("utf-8")
    found = _FORMAT.search(sql)
    fmt = found.group(1) if found else params.get("default_format", "TabSeparated")
    if found:
        sql = sql[: found.start()].rstrip()
    # Read-only as ClickHouse enforces it (1 also refuses setting changes; 2 allows them),
    # applied last so the client's own settings come first. The client's handshake reads
    # which settings it may change: answered as the worker's own session sees them, or the
    # client would refuse to ask for readonly itself.
    if sql.strip() != _HANDSHAKE:
        settings["readonly"] = "1" if params.get("readonly") == "1" else "2"
    clause = f"\nSETTINGS {_settings_clause(settings)}" if settings else ""
    final = f"{sql.rstrip().rstrip(';')}{clause}\nFORMAT {fmt}"
    return client.raw_query(final, parameters=bind or None), fmt


def _settings_clause(settings: dict[str, str]) -> str:
    parts = []
    for name, value in settings.items():
        if not _NAME.fullmatch(name):
            raise ValueError(
                f"Code: 115. DB::Exception: unknown setting {name!r} (UNKNOWN_SETTING)"
            )
        literal = (
            value
            if _NUMBER.fullmatch(value)
            else "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        )
        parts.append(f"{name} = {literal}")
    return ", ".join(parts)
