"""Child processes: each a real `gapwatch` subcommand with its own log file, for the demo, the
benchmarks and the tests alike."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


class ChildFailed(RuntimeError):
    pass


class Children:
    """Starts `python -m pipeline …` children and always stops them, newest first."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, subprocess.Popen] = {}
        self._started: set[str] = set()

    def start(
        self,
        name: str,
        args: list[str],
        env: dict[str, str],
        python: str = sys.executable,
        module: str = "pipeline",
    ) -> subprocess.Popen:
        """``python -m module *args``; another interpreter (a virtualenv's) and module are
        for the benchmarks' peers."""
        # A restarted child appends, so its predecessor's last words stay readable.
        mode = "ab" if name in self._started else "wb"
        self._started.add(name)
        with (self.log_dir / f"{name}.log").open(mode) as log:  # the child keeps its own copy
            # A session of its own: Ctrl-C at the terminal reaches only the parent, which
            # stops its children in order (simulator, worker, broker) instead of all at once.
            proc = subprocess.Popen(
                [python, "-m", module, *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **env},
                start_new_session=True,
            )
        self.procs[name] = proc
        return proc

    def last_line(self, name: str, containing: str = "") -> str:
        """The child's latest log line (that contains ``containing``), for status lines."""
        lines = [ln for ln in self.output(name).splitlines() if containing in ln]
        return lines[-1].strip() if lines else ""

    def output(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def check_alive(self, name: str) -> None:
        code = self.procs[name].poll()
        if code is not None:
            tail = "\n".join(self.output(name).splitlines()[-15:])
            raise ChildFailed(f"{name} exited with code {code}; last lines of its log:\n{tail}")

    def stop(self, name: str, timeout: float = 30.0) -> int | None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return None if proc is None else proc.returncode
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def kill(self, name: str) -> int:
        """SIGKILL: no flush, no commit, no goodbye. For crash tests."""
        proc = self.procs.pop(name)
        proc.kill()
        return proc.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()


def wait_for_file(path: Path, children: Children, name: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and (text := path.read_text(encoding="utf-8").strip()):
            return text
        children.check_alive(name)
        time.sleep(0.1)
    raise ChildFailed(f"{name} did not write {path} within {timeout:.0f}s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch_stats(port: int) -> dict | None:
    """A local worker's /stats/, or None while it does not answer yet."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats/", timeout=5) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
        return None
