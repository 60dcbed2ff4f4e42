"""One ClickHouse client for both backends, chosen by the DSN: chdb://PATH or http(s)://…

A chDB path can be open in one process only. When a running worker holds it, other
processes get an HTTP client to that worker instead (pipeline.agents.warehouse_proxy): the
same client API and SQL, read-only, so analysts can query while the pipeline runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from pipeline.warehouse.holder import PROXY_PATH, in_use, worker_holding


class _ServerOptions(TypedDict):
    compress: str
    connect_timeout: int
    send_receive_timeout: int
    query_retries: int


# Server mode: compress the wire, fail fast on a dead host, retry idempotent reads.
_SERVER_OPTIONS: _ServerOptions = {
    "compress": "lz4",
    "connect_timeout": 10,
    "send_receive_timeout": 300,
    "query_retries": 2,
}


# chDB paths this process opened: chDB shares one engine among a process's clients, so
# another client here is no conflict (the lock check below would see our own lock).
_OPENED: set[Path] = set()


class WarehouseError(RuntimeError):
    """ClickHouse is unreachable or refused a request; the message never holds a password."""


def connect(dsn: str, *, through_worker: bool = True) -> Client:
    """A client for the DSN. ``through_worker``: when another process holds the chDB path
    and it is a worker, talk to that worker; a worker itself passes False."""
    scheme = urlsplit(dsn).scheme
    if scheme == "chdb":
        path = chdb_path(dsn)
        if path not in _OPENED and in_use(path):
            holder = worker_holding(path) if through_worker else None
            if holder is None:
                raise WarehouseError(
                    f"the chDB path {path} is in use by another process (only one may open "
                    "it at a time): stop it, or give this one its own path in "
                    "GAPWATCH_CLICKHOUSE_DSN"
                )
            return _through(holder.host, holder.port, path)
    try:
        if scheme == "chdb":
            path.mkdir(parents=True, exist_ok=True)
            client = clickhouse_connect.get_client(dsn=f"chdb://{path}")
            _OPENED.add(path)
            return client
        if scheme in {"http", "https"}:
            return clickhouse_connect.get_client(dsn=dsn, **_SERVER_OPTIONS)
    except Exception as exc:
        raise WarehouseError(
            f"cannot open ClickHouse at {redact(dsn)}: {_first_line(redact(str(exc)))}"
        ) from None
    raise WarehouseError(
        f"unsupported ClickHouse DSN {redact(dsn)}: use chdb://PATH or http(s)://user:pass@host:port/db"
    )


def _through(host: str, port: int, path: Path) -> Client:
    try:
        return clickhouse_connect.get_client(
            host=host,
            port=port,
            proxy_path=PROXY_PATH,
            compress=False,
            connect_timeout=10,
            send_receive_timeout=300,
            autogenerate_session_id=False,
        )
    except Exception as exc:
        raise WarehouseError(
            f"the chDB path {path} is held by the worker at {host}:{port}, which did not "
            f"answer: {_first_line(redact(str(exc)))}"
        ) from None


def chdb_path(dsn: str) -> Path:
    """The on-disk path of a chdb:// DSN; relative paths are taken from the working directory.
    Written chdb:///abs/path or chdb://relative/path."""
    if not dsn.startswith("chdb://"):
        raise WarehouseError(
            f"{dsn!r} is not a chDB DSN: write chdb:///absolute/path or chdb://relative/path"
        )
    rest = dsn[len("chdb://") :]
    if not rest:
        raise WarehouseError("chdb:// needs a data path, e.g. chdb:///var/lib/gapwatch/chdb")
    return Path(rest).expanduser().resolve()


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text)[:500]


def redact(text: str) -> str:
    """Hide the password of any user:pass@ in text (DSNs, error messages)."""
    return re.sub(r"(//[^:/@\s]+:)[^@\s]+@", r"\1***@", text)
