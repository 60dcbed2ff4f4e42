"""What the classifier says about one text: light, so the worker can import it without
scikit-learn."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.gaps import NOT_COMPLAINT

# Gaps for which no SERVQUAL dimension is predicted (labeling guide: null).
DIMENSIONLESS = frozenset({NOT_COMPLAINT})


@dataclass(frozen=True)
class Prediction:
    gap: str
    gap_confidence: float
    dimension: str | None
    dimension_confidence: float
    model_version: str
    terms: tuple[str, ...]
