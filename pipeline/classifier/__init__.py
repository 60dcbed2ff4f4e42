"""Complaint classification by service-quality gap and SERVQUAL dimension."""

from pipeline.classifier.artifact import load_or_build, train
from pipeline.classifier.corpus import GAPS, Labeled
from pipeline.classifier.model import GapClassifier, Prediction

__all__ = ["GAPS", "GapClassifier", "Labeled", "Prediction", "load_or_build", "train"]
