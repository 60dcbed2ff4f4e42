"""The model a worker serves, through its whole life: load or build at start, classify
(in child processes or a thread), switch to what `gapwatch train` saves, close."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline.classifier.artifact import FEATURE_VERSION, features_of, load, load_or_build, stamp
from pipeline.classifier.model import GapClassifier, Prediction
from pipeline.classifier.processes import ClassifierProcesses

log = logging.getLogger(__name__)
Stamp = tuple[int, int, int]


class LiveModel:
    """One worker's classifier. ``processes`` children classify (0: a thread here does)."""

    def __init__(
        self,
        model: GapClassifier,
        model_dir: Path,
        assets_dir: Path,
        processes: int,
        saved: Stamp | None = None,
    ) -> None:
        self.model, self.model_dir, self.assets_dir = model, model_dir, assets_dir
        # The artifact file the model came from; a different one is a retrained model.
        self.saved = saved
        self.processes = ClassifierProcesses(model, assets_dir, processes) if processes else None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="classify")

    @classmethod
    def start(cls, model_dir: Path, assets_dir: Path, processes: int) -> LiveModel:
        """Which file is in place before loading: a model saved while this one loads is
        picked up by the first reload."""
        saved = stamp(model_dir)
        return cls(load_or_build(model_dir, assets_dir), model_dir, assets_dir, processes, saved)

    @property
    def version(self) -> str:
        return self.model.version

    async def classify(self, texts: Sequence[str]) -> list[Prediction]:
        if self.processes is not None:
            return await self.processes.predict(texts)
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
        model = await asyncio.to_thread(load, self.model_dir, self.assets_dir)
        if features_of(model) != FEATURE_VERSION:
            log.warning(
                "not switching to the classifier in %s: built by other GapWatch code "
                "(features %s, this worker %s)",
                self.model_dir,
                features_of(model),
                FEATURE_VERSION,
            )
            return False
        if model.version == self.model.version:
            return False
        if self.processes is not None:
            await self.processes.swap(model)
        previous, self.model = self.model.version, model
        log.info(
            "classifier %s replaced by %s, saved in %s", previous, model.version, self.model_dir
        )
        return True

    def state(self) -> dict[str, object]:
        """What /stats/ shows of it."""
        processes = self.processes
        return {
            "model_version": self.model.version,
            "processes": processes.processes if processes else 0,
            "restarts": processes.restarts if processes else 0,
        }

    def close(self) -> None:
        if self.processes is not None:
            self.processes.close()
        self._thread.shutdown(wait=False)
