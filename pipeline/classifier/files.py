"""The model directory's files and what can be told of them without loading a model: light
enough for a worker, which serves the model from child processes and never imports
scikit-learn itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # jieba is imported where text is cut, not by the worker
    from pipeline.classifier.tokenize import Tokenizer

ARTIFACT = "gap_classifier.joblib"  # the scikit-learn model: training, evaluation, `classify`
SERVING = "gap_classifier.npz"  # its arrays, which a worker classifies with (serving.py)
CARD = "model.json"
# Bump when features or model change, so old artifacts are rebuilt rather than misread.
FEATURE_VERSION = "5"


def tokenizer_for(assets_dir: Path) -> Tokenizer:
    from pipeline.classifier.tokenize import Tokenizer

    return Tokenizer(assets_dir / "userdict.txt", assets_dir / "stopwords.txt")


def stamp(model_dir: Path) -> tuple[int, int, int] | None:
    """Which artifact file is in place (inode, size, mtime), or None without one: `save`
    renames a new file into place, so a retrained model always changes it."""
    try:
        st = (model_dir / ARTIFACT).stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def servable(model_dir: Path) -> bool:
    """A serving file of this code's features, written with the artifact in place (`save`
    writes it first, so it is never older)."""
    serving, artifact = model_dir / SERVING, model_dir / ARTIFACT
    try:
        if serving.stat().st_mtime_ns < artifact.stat().st_mtime_ns:
            return False
        with np.load(serving, allow_pickle=False) as npz:
            return str(npz["feature_version"]) == FEATURE_VERSION
    except (OSError, KeyError, ValueError):
        return False
