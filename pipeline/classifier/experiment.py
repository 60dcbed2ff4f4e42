"""What human review buys: label some texts of a source, retrain, score the rest."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipeline.classifier.artifact import train
from pipeline.classifier.corpus import Labeled
from pipeline.classifier.evaluate import evaluate
from pipeline.classifier.model import GapClassifier


def after_review(
    assets_dir: Path,
    model: GapClassifier,
    corrections: list[Labeled],
    records: Sequence[Labeled],
    name: str,
    reviewed: int = 100,
) -> dict:
    """The first `reviewed` texts become review labels; accuracy on the others before
    (`model`) and after retraining with them."""
    if len(records) <= reviewed:
        raise ValueError(f"{name}: {len(records)} texts, need more than {reviewed}")
    labeled, rest = list(records[:reviewed]), records[reviewed:]
    retrained = train(assets_dir, extra=[*corrections, *labeled])
    return {
        "set": name,
        "reviewed": reviewed,
        "rest": len(rest),
        "accuracy_before": evaluate(model, rest, name).accuracy,
        "accuracy_after": evaluate(retrained, rest, name).accuracy,
    }
