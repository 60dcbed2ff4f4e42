"""A worker and its classifier process fit in 700 MiB (issue #24): the worker keeps no copy of
the model and never imports scikit-learn; the child holds the model's arrays alone."""

from __future__ import annotations

import pytest

from pipeline.classifier.corpus import eval_files, load_jsonl
from pipeline.config import PROJECT_ROOT
from tests.processes import classifier_children, descendants, rss_mib

pytestmark = pytest.mark.e2e
TEXTS = [r.text for r in load_jsonl(eval_files(PROJECT_ROOT / "models"))]
CEILING_MIB = 700


def test_a_classifying_worker_and_its_child_stay_under_700_mib(start_worker, produce_complaints):
    with start_worker() as worker:
        pid = worker.children.procs["worker"].pid
        assert len(classifier_children(pid)) == 1
        for done in (2000, 4000, 6000):  # past warm-up: every batch size, chDB's first merges
            produce_complaints("m", done - 2000, done, TEXTS, stores=5)
            stats = worker.wait_until(lambda t, n=done: t["complaints"]["written"] == n)
        assert stats["worker"]["topics"]["complaints"]["dead_lettered"] == 0
        tree = [pid, *descendants(pid)]  # the classifier child, multiprocessing's tracker
        each = {p: round(rss_mib(p)) for p in tree}
        assert sum(each.values()) <= CEILING_MIB, f"RSS in MiB by process: {each}"
        assert worker.stop() == 0
