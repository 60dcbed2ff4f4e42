"""Complaint classification by service-quality gap and SERVQUAL dimension."""

from pipeline.classifier.artifact import load_or_build, train
from pipeline.classifier.corpus import Labeled
from pipeline.classifier.model import GapClassifier, Prediction
from pipeline.gaps import GAPS

__all__ = ["GAPS", "GapClassifier", "Labeled", "Prediction", "load_or_build", "train"]
