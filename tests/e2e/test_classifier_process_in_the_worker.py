"""A worker whose classifier process is killed mid-stream loses no complaint, replaces the
process, says so on /stats/ and in its log, and leaves no process behind when it stops."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.classifier.corpus import eval_files, load_jsonl
from pipeline.config import PROJECT_ROOT
from pipeline.warehouse import connect

pytestmark = pytest.mark.e2e
TEXTS = [r.text for r in load_jsonl(eval_files(PROJECT_ROOT / "models"))]


def _classifier_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except FileNotFoundError:
        return True


def test_a_killed_classifier_process_costs_no_complaint(start_worker, produce, settings):
    def complaints(start: int, stop: int) -> None:
        for i in range(start, stop):
            produce(
                "complaints",
                {
                    "complaint_id": f"k-{i}",
                    "ts": datetime.now(UTC).isoformat(),
                    "store_id": f"S{i % 5}",
                    "channel": "app",
                    "text": TEXTS[i % len(TEXTS)],
                },
                key=f"S{i % 5}",
            )
        produce.flush()

    complaints(0, 1000)
    with start_worker() as worker:
        stats = worker.wait_until(lambda t: t["complaints"]["written"] == 1000)
        assert stats["classifier"]["processes"] == 1 and stats["classifier"]["restarts"] == 0
        (child,) = _classifier_children(worker.children.procs["worker"].pid)
        os.kill(child, signal.SIGKILL)
        complaints(1000, 3000)
        stats = worker.wait_until(lambda t: t["complaints"]["written"] == 3000)
        assert stats["classifier"]["restarts"] == 1
        assert stats["worker"]["topics"]["complaints"]["dead_lettered"] == 0
        (replacement,) = _classifier_children(worker.children.procs["worker"].pid)
        assert replacement != child
        assert "a classifier process died; restarting it" in worker.log()
        assert worker.stop() == 0
    deadline = time.monotonic() + 10
    while not _gone(replacement) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(replacement)

    client = connect(settings.clickhouse_dsn)
    try:
        rows = client.query(
            "SELECT count(), uniqExact(complaint_id), countIf(model_version LIKE 'gapclf-%') "
            "FROM complaints"
        ).result_rows
        assert rows == [(3000, 3000, 3000)]
    finally:
        client.close()
