"""The model a worker serves, through its whole life: load or build at start, classify
(in child processes or a thread), switch to what `gapwatch train` saves, close.

A worker serves the model's arrays (serving.py), never the scikit-learn model: training,
when the model directory has none, runs in a process of its own, so the worker never
imports scikit-learn and its memory stays that of a worker (docs/benchmarks.md)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.classifier.files import FEATURE_VERSION, SERVING, servable, stamp, tokenizer_for
from pipeline.classifier.prediction import Prediction
from pipeline.classifier.processes import ClassifierProcesses

if TYPE_CHECKING:  # loaded in this process only without classifier processes
    from pipeline.classifier.serving import ServingModel

log = logging.getLogger(__name__)
Stamp = tuple[int, int, int]


class LiveModel:
    """One worker's classifier. ``processes`` children classify (0: a thread here does, on
    the model loaded here)."""

    def __init__(
        self, model_dir: Path, assets_dir: Path, processes: int, saved: Stamp | None = None
    ) -> None:
        self.model_dir, self.assets_dir = model_dir, assets_dir
        # The artifact file the model came from; a different one is a retrained model.
        self.saved = saved
        self.processes = (
            ClassifierProcesses(model_dir, assets_dir, processes) if processes else None
        )
        self.model = None if self.processes else self._load()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="classify")

    @classmethod
    def start(cls, model_dir: Path, assets_dir: Path, processes: int) -> LiveModel:
        """Which file is in place before loading: a model saved while this one loads is
        picked up by the first reload."""
        saved = stamp(model_dir)
        if not servable(model_dir):
            build_elsewhere(model_dir, assets_dir)
        return cls(model_dir, assets_dir, processes, saved)

    @property
    def version(self) -> str:
        if self.processes is not None:
            return self.processes.version
        assert self.model is not None
        return self.model.version

    async def classify(self, texts: Sequence[str]) -> list[Prediction]:
        if self.processes is not None:
            return await self.processes.predict(texts)
        assert self.model is not None
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, self.model.predict, list(texts)
        )

    async def reload(self) -> bool:
        """Switch to a model saved in the model directory since this one was loaded; True if
        switched. Batches in flight finish on the old model. A file that fails to load
        raises, once: it is not tried again."""
        current = stamp(self.model_dir)
        if current is None or current == self.saved:
            return False
        self.saved = current
        previous = self.version
        if self.processes is not None:
            if await self.processes.swap() is None:
                return False
        else:
            model = await asyncio.to_thread(self._load)
            if model.feature_version != FEATURE_VERSION:
                log.warning(
                    "not switching to the classifier in %s: built by other GapWatch code "
                    "(features %s, this worker %s)",
                    self.model_dir,
                    model.feature_version,
                    FEATURE_VERSION,
                )
                return False
            if model.version == previous:
                return False
            self.model = model
        log.info(
            "classifier %s replaced by %s, saved in %s", previous, self.version, self.model_dir
        )
        return True

    def state(self) -> dict[str, object]:
        """What /stats/ shows of it."""
        processes = self.processes
        return {
            "model_version": self.version,
            "processes": processes.processes if processes else 0,
            "restarts": processes.restarts if processes else 0,
        }

    def close(self) -> None:
        if self.processes is not None:
            self.processes.close()
        self._thread.shutdown(wait=False)

    def _load(self) -> ServingModel:
        from pipeline.classifier.serving import ServingModel

        return ServingModel.load(self.model_dir / SERVING, tokenizer_for(self.assets_dir))


def build_elsewhere(model_dir: Path, assets_dir: Path) -> None:
    """Train (or write the serving arrays of) the model in a process of its own, which exits
    with scikit-learn and the training data's memory."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as one:
        one.submit(_build, model_dir, assets_dir).result()


def _build(model_dir: Path, assets_dir: Path) -> None:
    from pipeline.classifier.artifact import load_or_build

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    load_or_build(model_dir, assets_dir)
