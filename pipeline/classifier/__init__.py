"""Complaint classification by service-quality gap and SERVQUAL dimension.

The names below load on first use: a worker's classifier process imports
``pipeline.classifier.serving`` alone, and must not pay for scikit-learn (about 130 MiB)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pipeline.classifier.prediction import Prediction
from pipeline.gaps import GAPS

if TYPE_CHECKING:
    from pipeline.classifier.artifact import load_or_build, train
    from pipeline.classifier.corpus import Labeled
    from pipeline.classifier.model import GapClassifier

__all__ = ["GAPS", "GapClassifier", "Labeled", "Prediction", "load_or_build", "train"]

_LAZY = {
    "load_or_build": "pipeline.classifier.artifact",
    "train": "pipeline.classifier.artifact",
    "Labeled": "pipeline.classifier.corpus",
    "GapClassifier": "pipeline.classifier.model",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
