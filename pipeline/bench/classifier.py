"""Classification throughput per core: docs/s in batches, beside tokenizing alone."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline.classifier.corpus import eval_files, load_jsonl
from pipeline.classifier.prediction import Prediction
from pipeline.classifier.tokenize import Tokenizer


class Classifies(Protocol):
    """The scikit-learn model (GapClassifier) or the arrays a worker serves (ServingModel)."""

    tokenizer: Tokenizer

    def predict(self, texts: Sequence[str], top_terms: int = 3) -> list[Prediction]: ...


@dataclass(frozen=True)
class ClassifierBench:
    docs: int
    batch: int
    docs_per_s: float
    tokenize_docs_per_s: float  # tokenizing alone, same texts, same run
    mean_chars: float

    @property
    def tokenize_share(self) -> float:
        """The part of classification time that goes to tokenizing."""
        return self.docs_per_s / self.tokenize_docs_per_s


def pin_to_one_core() -> int:
    """Run on one CPU, so the figure is per core whatever the machine."""
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core


def texts_for(assets_dir: Path, docs: int) -> list[str]:
    """Unseen texts (the evaluation sets), repeated to `docs`."""
    pool = [r.text for r in load_jsonl(eval_files(assets_dir))]
    return [pool[i % len(pool)] for i in range(docs)]


def measure(model: Classifies, texts: list[str], batch: int = 1000) -> ClassifierBench:
    model.predict(texts[:batch])  # warm: numpy, caches
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        model.predict(texts[start : start + batch])
    total = time.perf_counter() - started
    started = time.perf_counter()
    for text in texts:
        model.tokenizer.tokens(text)
    tokenize = time.perf_counter() - started
    return ClassifierBench(
        docs=len(texts),
        batch=batch,
        docs_per_s=len(texts) / total,
        tokenize_docs_per_s=len(texts) / tokenize,
        mean_chars=sum(map(len, texts)) / len(texts),
    )
