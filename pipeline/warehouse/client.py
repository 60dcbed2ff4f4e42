"""One ClickHouse client for both backends, chosen by the DSN: chdb://PATH or http(s)://…"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client

# Server mode: compress the wire, fail fast on a dead host, retry idempotent reads.
_SERVER_OPTIONS = {
    "compress": "lz4",
    "connect_timeout": 10,
    "send_receive_timeout": 300,
    "query_retries": 2,
}


class WarehouseError(RuntimeError):
    """ClickHouse is unreachable or refused a request; the message never holds a password."""


def connect(dsn: str) -> Client:
    scheme = urlsplit(dsn).scheme
    try:
        if scheme == "chdb":
            path = chdb_path(dsn)
            path.mkdir(parents=True, exist_ok=True)
            return clickhouse_connect.get_client(dsn=f"chdb://{path}")
        if scheme in {"http", "https"}:
            return clickhouse_connect.get_client(dsn=dsn, **_SERVER_OPTIONS)
    except Exception as exc:
        raise WarehouseError(
            f"cannot open ClickHouse at {redact(dsn)}: {redact(str(exc))}"
        ) from None
    raise WarehouseError(
        f"unsupported ClickHouse DSN {redact(dsn)}: use chdb://PATH or http(s)://user:pass@host:port/db"
    )


def chdb_path(dsn: str) -> Path:
    """The on-disk path of a chdb:// DSN; relative paths are taken from the working directory."""
    rest = dsn.split("://", 1)[1]
    if not rest:
        raise WarehouseError("chdb:// needs a data path, e.g. chdb:///var/lib/gapwatch/chdb")
    return Path(rest).expanduser().resolve()


def redact(text: str) -> str:
    """Hide the password of any user:pass@ in text (DSNs, error messages)."""
    return re.sub(r"(//[^:/@\s]+:)[^@\s]+@", r"\1***@", text)
