"""Which process holds a chDB path, and where a worker holding one answers queries.

chDB lets one process open a data path at a time (ClickHouse's lock on its `status` file).
A worker that holds one says so in a small file beside it; `connect` reads that file to send
other processes' queries through the worker (pipeline.agents.warehouse_proxy).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

PROXY_PATH = "/warehouse/"


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    port: int


def in_use(chdb_path: Path) -> bool:
    """Whether another process holds the path: ClickHouse keeps an exclusive flock on its
    status file while it runs, released when it exits, however it exits."""
    status = chdb_path / "status"
    try:
        fd = os.open(status, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def holder_file(chdb_path: Path) -> Path:
    return chdb_path.parent / f".{chdb_path.name}.worker.json"


def announce(chdb_path: Path, host: str, port: int) -> None:
    """Say that this process, a worker, holds the path and answers at host:port."""
    path = holder_file(chdb_path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "host": host, "port": port}), encoding="utf-8")
    tmp.replace(path)


def withdraw(chdb_path: Path) -> None:
    path = holder_file(chdb_path)
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()


def worker_holding(chdb_path: Path) -> Holder | None:
    """The worker that announced it holds the path, if it is still alive."""
    try:
        info = json.loads(holder_file(chdb_path).read_text(encoding="utf-8"))
        holder = Holder(int(info["pid"]), str(info["host"]), int(info["port"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return holder
