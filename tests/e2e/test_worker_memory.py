"""A worker and its classifier process stay small (issue #24): the worker keeps no copy of
the model and never imports scikit-learn; the child holds the model's arrays alone.

Measured alone, the worker, its child and multiprocessing's tracker take 615–650 MiB after
6,000 complaints (the 700 MiB target); inside a full CI run on a loaded machine they once
took 741 (worker 566). So this test guards the change at 800 MiB, well under the 1,199 of a
worker that loads the model too, and prints what it measured; the 700 MiB target stays a
measurement (README, "Speed"), not an assertion that a busy machine could break."""

from __future__ import annotations

import pytest

from pipeline.classifier.corpus import eval_files, load_jsonl
from pipeline.config import PROJECT_ROOT
from tests.processes import classifier_children, descendants, rss_mib

pytestmark = pytest.mark.e2e
TEXTS = [r.text for r in load_jsonl(eval_files(PROJECT_ROOT / "models"))]
CEILING_MIB = 800  # the 1,199 MiB of a worker holding the model too would break it


def test_a_classifying_worker_and_its_child_hold_one_light_copy_of_the_model(
    start_worker, produce_complaints
):
    with start_worker() as worker:
        pid = worker.children.procs["worker"].pid
        assert len(classifier_children(pid)) == 1
        for done in (2000, 4000, 6000):  # past warm-up: every batch size, chDB's first merges
            produce_complaints("m", done - 2000, done, TEXTS, stores=5)
            stats = worker.wait_until(lambda t, n=done: t["complaints"]["written"] == n)
        assert stats["worker"]["topics"]["complaints"]["dead_lettered"] == 0
        tree = [pid, *descendants(pid)]  # the classifier child, multiprocessing's tracker
        each = {p: round(rss_mib(p)) for p in tree}
        restarts = stats["classifier"]["restarts"]
        print(f"RSS in MiB by process: {each}, sum {sum(each.values())}; restarts {restarts}")
        assert sum(each.values()) <= CEILING_MIB, f"RSS in MiB: {each}; restarts {restarts}"
        assert worker.stop() == 0
