"""The trained artifact in the model directory: built on first use, rebuilt when assets change."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import joblib

from pipeline.classifier.corpus import Labeled, corpus_files, load_jsonl
from pipeline.classifier.files import (
    ARTIFACT,
    CARD,
    FEATURE_VERSION,
    SERVING,
    servable,
    stamp,
    tokenizer_for,
)
from pipeline.classifier.model import GapClassifier, Progress
from pipeline.classifier.serving import ServingModel

log = logging.getLogger(__name__)
__all__ = ["ARTIFACT", "CARD", "FEATURE_VERSION", "SERVING", "stamp", "tokenizer_for"]


def fingerprint(assets_dir: Path, extra: list[Labeled] | None = None) -> str:
    digest = hashlib.sha256(FEATURE_VERSION.encode())
    for path in [
        *corpus_files(assets_dir),
        assets_dir / "userdict.txt",
        assets_dir / "stopwords.txt",
    ]:
        if path.exists():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    for record in extra or []:
        digest.update(f"{record.text}\x1f{record.gap}\x1f{record.dimension}\n".encode())
    return "gapclf-" + digest.hexdigest()[:12]


def _silently(step: str, done: float) -> None:
    pass


def _logged(step: str, done: float) -> None:
    log.info("training the classifier: %s (%.0f%%)", step, 100 * done)


def train(
    assets_dir: Path, extra: list[Labeled] | None = None, progress: Progress = _logged
) -> GapClassifier:
    records = load_jsonl(corpus_files(assets_dir)) + list(extra or [])
    if not records:
        raise FileNotFoundError(f"no labeled texts under {assets_dir / 'corpus'}")
    version = fingerprint(assets_dir, extra)
    model = GapClassifier(version, tokenizer_for(assets_dir)).fit(records, progress)
    model.feature_version = FEATURE_VERSION
    return model


def train_on(
    records: list[Labeled], assets_dir: Path, name: str, progress: Progress = _silently
) -> GapClassifier:
    """A model fit on exactly these records (experiments that leave some out); versioned by
    ``name``, never saved."""
    model = GapClassifier(name, tokenizer_for(assets_dir)).fit(records, progress)
    model.feature_version = FEATURE_VERSION
    return model


def save(model: GapClassifier, model_dir: Path) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    # The serving arrays first, the artifact last: a worker notices the artifact change
    # (`stamp`) and finds the serving file of the same model already in place.
    save_serving(model, model_dir)
    # Write then rename, so a worker never loads a half-written artifact.
    with tempfile.NamedTemporaryFile(dir=model_dir, suffix=".tmp", delete=False) as tmp:
        joblib.dump(model, tmp)
    os.replace(tmp.name, model_dir / ARTIFACT)
    card = {
        "model_version": model.version,
        "trained_at": datetime.now(UTC).isoformat(),
        "texts": model.texts,
    }
    (model_dir / CARD).write_text(json.dumps(card, indent=2), encoding="utf-8")


def save_serving(model: GapClassifier, model_dir: Path) -> None:
    """The model's arrays for the worker (serving.py), written then renamed into place."""
    with tempfile.NamedTemporaryFile(dir=model_dir, suffix=".tmp", delete=False) as tmp:
        ServingModel.save(model, tmp)
    os.replace(tmp.name, model_dir / SERVING)


def features_of(model: GapClassifier) -> str:
    """Which feature code built the model ("1": before models recorded it); only models of
    FEATURE_VERSION can be used by this code."""
    return getattr(model, "feature_version", None) or "1"


def load(model_dir: Path, assets_dir: Path) -> GapClassifier:
    model: GapClassifier = joblib.load(model_dir / ARTIFACT)
    model.tokenizer = tokenizer_for(assets_dir)
    return model


def load_or_build(model_dir: Path, assets_dir: Path, progress: Progress = _logged) -> GapClassifier:
    """Load the artifact; build it first when it is missing, or when it was built by code
    whose features or model differ (an upgrade), which could not use it. A model built here
    is saved before it is used, so an interrupted start keeps it."""
    if (model_dir / ARTIFACT).exists():
        model = load(model_dir, assets_dir)
        if features_of(model) == FEATURE_VERSION:
            if not servable(model_dir):  # saved before models had serving arrays
                save_serving(model, model_dir)
            return model
        log.warning(
            "the classifier in %s was built by an older GapWatch (features %s, now %s): "
            "retraining it from %s; run `gapwatch train` to add review labels again",
            model_dir,
            features_of(model),
            FEATURE_VERSION,
            assets_dir,
        )
    else:
        log.info("no trained classifier in %s: training one from %s", model_dir, assets_dir)
    model = train(assets_dir, progress=progress)
    save(model, model_dir)
    return model
