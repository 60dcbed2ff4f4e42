"""What /proc says about a test's processes: alive or not, and a worker's classifier children."""

from __future__ import annotations

import time
from pathlib import Path


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; only its entry waits to be reaped


def all_gone(pids: list[int], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not any(alive(pid) for pid in pids)


def classifier_children(pid: int) -> list[int]:
    """Spawned children of any of the process's threads (a replacement is started from one)."""
    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def descendants(pid: int) -> list[int]:
    """Every process started under this one (any thread's children, and theirs)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except FileNotFoundError:  # the thread ended while we looked
            continue
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found


def rss_mib(pid: int) -> float:
    """Resident memory (VmRSS), shared pages counted in full: what `ps` and the OOM killer's
    accounting show for the process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0  # a zombie has no memory left
