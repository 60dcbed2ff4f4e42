"""Classification in child processes answers as the served model does (the scikit-learn
model's arrays, tests/integration/test_serving_model.py), survives a dead child, and leaves
no child behind a killed worker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.classifier import load_or_build
from pipeline.classifier.corpus import eval_files, load_jsonl
from pipeline.classifier.files import SERVING, tokenizer_for
from pipeline.classifier.processes import ClassifierProcesses
from pipeline.classifier.serving import ServingModel
from pipeline.config import PROJECT_ROOT
from tests.processes import alive, all_gone

pytestmark = pytest.mark.integration
ASSETS = PROJECT_ROOT / "models"


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [r.text for r in load_jsonl(eval_files(ASSETS))][:300]


def served(model_dir: Path) -> ServingModel:
    return ServingModel.load(model_dir / SERVING, tokenizer_for(ASSETS))


@pytest.mark.parametrize("processes", [1, 2])
def test_the_children_answer_as_the_model_does_in_order(model_dir, texts, processes):
    load_or_build(model_dir, ASSETS)
    model = served(model_dir)
    pool = ClassifierProcesses(model_dir, ASSETS, processes)
    try:
        assert asyncio.run(pool.predict(texts)) == model.predict(texts)
        one = texts[:1]  # fewer texts than children
        assert asyncio.run(pool.predict(one)) == model.predict(one)
        assert asyncio.run(pool.predict([])) == []
    finally:
        pool.close()


def test_a_dead_child_costs_no_batch_and_is_replaced(model_dir, texts):
    import multiprocessing

    load_or_build(model_dir, ASSETS)
    model = served(model_dir)
    pool = ClassifierProcesses(model_dir, ASSETS, 1)
    try:
        assert asyncio.run(pool.predict(texts[:10])) == model.predict(texts[:10])
        (child,) = multiprocessing.active_children()
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
        # Two batches in flight when it died: both classified in the worker instead.
        both = asyncio.run(_gather(pool.predict(texts[:150]), pool.predict(texts[150:])))
        assert both[0] + both[1] == model.predict(texts)
        (replacement,) = multiprocessing.active_children()  # one restart, not two
        assert replacement.pid != child.pid and pool.restarts == 1
        assert asyncio.run(pool.predict(texts[:10])) == model.predict(texts[:10])
    finally:
        pool.close()
    assert multiprocessing.active_children() == []


async def _gather(*batches):
    return await asyncio.gather(*batches)


def test_children_exit_when_their_worker_is_killed(model_dir):
    script = (
        "import multiprocessing, time\n"
        "from pathlib import Path\n"
        "from pipeline.classifier import load_or_build\n"
        "from pipeline.classifier.processes import ClassifierProcesses\n"
        "if __name__ == '__main__':\n"
        f"    assets = Path({str(ASSETS)!r})\n"
        f"    model_dir = Path({str(model_dir)!r})\n"
        "    load_or_build(model_dir, assets)\n"
        "    pool = ClassifierProcesses(model_dir, assets, 2)\n"
        "    print(*[c.pid for c in multiprocessing.active_children()], flush=True)\n"
        "    time.sleep(600)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as worker:
        assert worker.stdout is not None
        children = [int(pid) for pid in worker.stdout.readline().split()]
        assert len(children) == 2 and all(alive(pid) for pid in children)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        assert all_gone(children, timeout=15)


def test_a_swapped_model_answers_from_then_on_and_the_old_children_go(model_dir, texts, tmp_path):
    import multiprocessing
    import shutil

    from pipeline.classifier import train
    from pipeline.classifier.artifact import save

    seed = tmp_path / "assets"  # a second model, from the seed corpus alone: another version
    (seed / "corpus").mkdir(parents=True)
    for name in ("userdict.txt", "stopwords.txt", "corpus/seed.jsonl"):
        shutil.copy(ASSETS / name, seed / name)
    trained = train(seed)
    save(trained, tmp_path / "other")
    load_or_build(model_dir, ASSETS)
    model, other = served(model_dir), served(tmp_path / "other")
    assert other.version != model.version
    ours = tmp_path / "model"  # the session's model directory stays as it is
    shutil.copytree(model_dir, ours)
    pool = ClassifierProcesses(ours, ASSETS, 1)
    try:
        (old_child,) = multiprocessing.active_children()
        assert pool.version == model.version

        async def swap_while_classifying() -> list:
            in_flight = asyncio.ensure_future(pool.predict(texts))
            await asyncio.sleep(0)  # handed to the old child
            save(trained, ours)
            assert await pool.swap() == other.version
            assert await pool.swap() is None  # the same model again: no new children
            return await in_flight

        assert asyncio.run(swap_while_classifying()) == model.predict(texts)
        assert asyncio.run(pool.predict(texts[:20])) == other.predict(texts[:20])
        (new_child,) = multiprocessing.active_children()
        assert new_child.pid != old_child.pid and not alive(old_child.pid)
    finally:
        pool.close()
    assert multiprocessing.active_children() == []
