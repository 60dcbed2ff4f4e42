"""A worker whose classifier process is killed mid-stream loses no complaint, replaces the
process, says so on /stats/ and in its log, and leaves no process behind when it stops."""

from __future__ import annotations

import os
import signal

import pytest

from pipeline.classifier.corpus import eval_files, load_jsonl
from pipeline.config import PROJECT_ROOT
from pipeline.warehouse import connect
from tests.processes import all_gone, classifier_children

pytestmark = pytest.mark.e2e
TEXTS = [r.text for r in load_jsonl(eval_files(PROJECT_ROOT / "models"))]


def test_a_killed_classifier_process_costs_no_complaint(start_worker, produce_complaints, settings):
    def complaints(start: int, stop: int) -> None:
        produce_complaints("k", start, stop, TEXTS, stores=5)

    complaints(0, 1000)
    with start_worker() as worker:
        stats = worker.wait_until(lambda t: t["complaints"]["written"] == 1000)
        assert stats["classifier"]["processes"] == 1 and stats["classifier"]["restarts"] == 0
        (child,) = classifier_children(worker.children.procs["worker"].pid)
        os.kill(child, signal.SIGKILL)
        complaints(1000, 3000)
        stats = worker.wait_until(lambda t: t["complaints"]["written"] == 3000)
        assert stats["classifier"]["restarts"] == 1
        assert stats["worker"]["topics"]["complaints"]["dead_lettered"] == 0
        (replacement,) = classifier_children(worker.children.procs["worker"].pid)
        assert replacement != child
        assert "a classifier process died; restarting it" in worker.log()
        assert worker.stop() == 0
    assert all_gone([replacement], timeout=10)

    client = connect(settings.warehouse.dsn)
    try:
        rows = client.query(
            "SELECT count(), uniqExact(complaint_id), countIf(model_version LIKE 'gapclf-%') "
            "FROM complaints"
        ).result_rows
        assert rows == [(3000, 3000, 3000)]
    finally:
        client.close()
