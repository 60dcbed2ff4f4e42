"""Classification in child processes, so a worker uses a second core.

Why: in one interpreter, Faust's delivery (about 80 µs a message) and classification (about
135 µs a text) take turns on the GIL, so a worker classifies well below one core's speed.
The children load the model's serving arrays (serving.py) from the model directory
themselves and tell the worker which version they hold: the worker keeps no copy of the
model and never imports scikit-learn (about 350 MiB less per worker, docs/benchmarks.md).
Children exit when the worker dies, even by SIGKILL.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.classifier.files import FEATURE_VERSION, SERVING, tokenizer_for
from pipeline.classifier.prediction import Prediction

if TYPE_CHECKING:  # imported where used: the worker itself needs neither numpy's model
    # nor jieba (about 60 MiB) unless a child dies
    from pipeline.classifier.serving import ServingModel

log = logging.getLogger(__name__)

_model: ServingModel | None = None  # the child's model, set by _load


class ClassifierProcesses:
    """The serving model's ``predict`` as a coroutine, each batch split over ``processes``
    children, which load the model in ``model_dir``."""

    def __init__(self, model_dir: Path, assets_dir: Path, processes: int) -> None:
        if processes < 1:
            raise ValueError(f"need at least one process, got {processes}")
        self.model_dir, self.assets_dir, self.processes = model_dir, assets_dir, processes
        self.restarts = 0  # children that died and were replaced: shown on /stats/
        self._pool, self.version, features = self._start()
        if features != FEATURE_VERSION:
            self._pool.shutdown(wait=False)
            raise ValueError(f"{model_dir / SERVING}: features {features}, not {FEATURE_VERSION}")
        self._dead: ProcessPoolExecutor | None = None  # the last pool seen broken

    async def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        loop, pool = asyncio.get_running_loop(), self._pool
        size = -(-len(texts) // self.processes)  # ceiling: at most `processes` chunks
        chunks = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
        try:
            parts = await asyncio.gather(
                *(loop.run_in_executor(pool, _predict, chunk) for chunk in chunks)
            )
        except BrokenProcessPool:
            # A child died (OOM killer, an operator): classify this batch here, start anew.
            # The restart (a second or two) runs in a thread beside it, not on the event loop.
            # Only then does the worker load the model itself (until the batch is done).
            if pool is not self._dead:  # the first batch to see this pool die replaces it
                self._dead = pool
                self.restarts += 1
                log.warning("a classifier process died; restarting it")
                pool.shutdown(wait=False, cancel_futures=True)
                (self._pool, self.version, _), predictions = await asyncio.gather(
                    asyncio.to_thread(self._start), asyncio.to_thread(self._here, texts)
                )
                return predictions
            return await asyncio.to_thread(self._here, texts)
        return [p for part in parts for p in part]

    async def swap(self) -> str | None:
        """Children on the model now in the model directory, if it is another one this code
        can serve: new children load it (in a thread, beside the batches still classified
        by the old ones), then the old children finish their batches and exit. Returns the
        new version, or None (and the old children stay)."""
        pool, version, features = await asyncio.to_thread(self._start)
        if features != FEATURE_VERSION or version == self.version:
            if features != FEATURE_VERSION:
                log.warning(
                    "not switching to the classifier in %s: built by other GapWatch code "
                    "(features %s, this worker %s)",
                    self.model_dir,
                    features,
                    FEATURE_VERSION,
                )
            await asyncio.to_thread(pool.shutdown, wait=True)
            return None
        old, self._pool = self._pool, pool
        await asyncio.to_thread(old.shutdown, wait=True)
        # Shown once the old children have gone: the version /stats/ names is then the only
        # one serving (each prediction carries the version of the child that made it).
        self.version = version
        return version

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _here(self, texts: Sequence[str]) -> list[Prediction]:
        from pipeline.classifier.serving import ServingModel

        model = ServingModel.load(self.model_dir / SERVING, tokenizer_for(self.assets_dir))
        return model.predict(texts)

    def _start(self) -> tuple[ProcessPoolExecutor, str, str]:
        """A pool whose children have loaded the model, with its (version, features). A
        model saved while they load could give two children two versions: then again."""
        while True:
            # spawn, not fork: the worker runs threads (warehouse, librdkafka) that fork would
            # copy in whatever state they are in.
            pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_load,
                initargs=(str(self.model_dir / SERVING), str(self.assets_dir), os.getpid()),
            )
            # Start the children and load the model in them now (a second or two), so the
            # first batch does not wait for them.
            held = {ready.result() for ready in [pool.submit(_held) for _ in range(self.processes)]}
            if len(held) == 1:
                ((version, features),) = held
                return pool, version, features
            pool.shutdown(wait=True)


def _load(path: str, assets_dir: str, parent: int) -> None:
    from pipeline.classifier.serving import ServingModel

    global _model
    model = ServingModel.load(Path(path), tokenizer_for(Path(assets_dir)))
    model.predict(["预热"])  # warm numpy and the caches before the first batch
    _model = model
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    """A killed worker cannot shut its pool down; its children notice and go with it."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _held() -> tuple[str, str]:
    """Which model this child holds: (version, features)."""
    assert _model is not None, "initializer did not run"
    return _model.version, _model.feature_version


def _predict(texts: list[str]) -> list[Prediction]:
    assert _model is not None, "initializer did not run"
    return _model.predict(texts)
