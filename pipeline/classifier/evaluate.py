"""How good the classifier is on texts it never saw: per-class precision, recall and F1,
macro-F1, accuracy, dimension accuracy and the confusion matrix."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from pipeline.classifier.corpus import Labeled
from pipeline.classifier.model import GapClassifier
from pipeline.gaps import GAPS, NOT_COMPLAINT


@dataclass(frozen=True)
class ClassScores:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    name: str
    texts: int
    accuracy: float
    macro_f1: float
    dimension_accuracy: float  # on complaints (gap ≠ not_complaint) labeled with a dimension
    calibration_error: float  # expected calibration error of gap confidence, 10 bins
    classes: list[ClassScores]
    confusion: list[list[int]]  # rows: true label, columns: predicted, both in GAPS order
    # Accuracy per domain (a real source's domain, an industry of our texts): (texts, accuracy)
    by_domain: dict[str, tuple[int, float]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def evaluate(model: GapClassifier, records: Sequence[Labeled], name: str) -> Report:
    predictions = model.predict([r.text for r in records])
    truth = [r.gap for r in records]
    guess = [p.gap for p in predictions]
    present = [g for g in GAPS if g in truth or g in guess]
    p, r, f, n = precision_recall_fscore_support(truth, guess, labels=present, zero_division=0)
    with_dim = [
        (rec.dimension, pred.dimension)
        for rec, pred in zip(records, predictions, strict=True)
        if rec.gap != NOT_COMPLAINT and rec.dimension is not None
    ]
    return Report(
        name=name,
        texts=len(records),
        accuracy=sum(t == g for t, g in zip(truth, guess, strict=True)) / len(records),
        macro_f1=float(f1_score(truth, guess, labels=present, average="macro", zero_division=0)),
        dimension_accuracy=(
            sum(t == g for t, g in with_dim) / len(with_dim) if with_dim else float("nan")
        ),
        calibration_error=_ece([p.gap_confidence for p in predictions], truth, guess),
        classes=[
            ClassScores(label, float(p[i]), float(r[i]), float(f[i]), int(n[i]))
            for i, label in enumerate(present)
        ],
        confusion=confusion_matrix(truth, guess, labels=list(GAPS)).tolist(),
        by_domain=_by_domain(records, guess),
    )


def _by_domain(records: Sequence[Labeled], guess: Sequence[str]) -> dict[str, tuple[int, float]]:
    hits: dict[str, list[bool]] = defaultdict(list)
    for record, predicted in zip(records, guess, strict=True):
        if record.domain is not None:
            hits[record.domain].append(record.gap == predicted)
    return {d: (len(h), sum(h) / len(h)) for d, h in sorted(hits.items())}


def _ece(confidence: list[float], truth: list[str], guess: list[str], bins: int = 10) -> float:
    """How far confidence is from accuracy, weighted over confidence bins: 0 is perfect."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    conf = np.asarray(confidence)
    right = np.asarray([t == g for t, g in zip(truth, guess, strict=True)], dtype=float)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (conf > low) & (conf <= high)
        if inside.any():
            error += inside.mean() * abs(conf[inside].mean() - right[inside].mean())
    return float(error)
