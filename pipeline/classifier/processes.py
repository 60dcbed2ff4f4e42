"""Classification in child processes, so a worker uses a second core.

Why: in one interpreter, Faust's delivery (about 80 µs a message) and classification (about
135 µs a text) take turns on the GIL, so a worker classifies well below one core's speed.
The children get the worker's own model (pickled, not reloaded from disk, so every batch is
classified by the version the worker logged), and exit when the worker dies, even by SIGKILL.
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

from pipeline.classifier.artifact import tokenizer_for
from pipeline.classifier.model import GapClassifier, Prediction

log = logging.getLogger(__name__)

_model: GapClassifier | None = None  # the child's copy, set by _load


class ClassifierProcesses:
    """The model's ``predict`` as a coroutine, each batch split over ``processes`` children."""

    def __init__(self, model: GapClassifier, assets_dir: Path, processes: int) -> None:
        if processes < 1:
            raise ValueError(f"need at least one process, got {processes}")
        self.model, self.assets_dir, self.processes = model, assets_dir, processes
        self.restarts = 0  # children that died and were replaced: shown on /stats/
        self._pool = self._start()
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
            if pool is not self._dead:  # the first batch to see this pool die replaces it
                self._dead = pool
                self.restarts += 1
                log.warning("a classifier process died; restarting it")
                pool.shutdown(wait=False, cancel_futures=True)
                replaced, predictions = await asyncio.gather(
                    asyncio.to_thread(self._start), asyncio.to_thread(self.model.predict, texts)
                )
                self._pool = replaced
                return predictions
            return await asyncio.to_thread(self.model.predict, texts)
        return [p for part in parts for p in part]

    async def swap(self, model: GapClassifier) -> None:
        """Classify with `model` from now on: new children load it (in a thread, beside the
        batches still classified by the old ones), then the old children finish their batches
        and exit."""
        old = self._pool
        self._pool = await asyncio.to_thread(self._start, model)
        self.model = model
        await asyncio.to_thread(old.shutdown, wait=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _start(self, model: GapClassifier | None = None) -> ProcessPoolExecutor:
        # spawn, not fork: the worker runs threads (warehouse, librdkafka) that fork would copy
        # in whatever state they are in.
        pool = ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_load,
            initargs=(model or self.model, str(self.assets_dir), os.getpid()),
        )
        # Start the children and load the model in them now (a second or two), so the first
        # batch does not wait for them.
        for ready in [pool.submit(_predict, []) for _ in range(self.processes)]:
            ready.result()
        return pool


def _load(model: GapClassifier, assets_dir: str, parent: int) -> None:
    global _model
    model.tokenizer = tokenizer_for(Path(assets_dir))
    model.predict(["预热"])  # warm numpy and the caches before the first batch
    _model = model
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    """A killed worker cannot shut its pool down; its children notice and go with it."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _predict(texts: list[str]) -> list[Prediction]:
    assert _model is not None, "initializer did not run"
    return _model.predict(texts)
