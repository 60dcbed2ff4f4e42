"""The arrays a worker serves (serving.py) answer as the scikit-learn model they were exported
from: the same gap, dimension and terms on every evaluation text, the same confidences but
for float32 weights' rounding."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline.classifier import load_or_build
from pipeline.classifier.corpus import eval_files, load_jsonl
from pipeline.classifier.files import SERVING, tokenizer_for
from pipeline.classifier.prediction import Prediction
from pipeline.classifier.serving import ServingModel
from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.integration
ASSETS = PROJECT_ROOT / "models"
# What n-grams make hard: nothing, whitespace runs, full-width, long, emoji, mixed scripts.
EDGES = ["", " ", "a  b", "\u3000全角 ＡＢＣ １２３", "x" * 300, "🙂🙂 ok", "说好24小时\t上门\n来"]


def test_the_served_model_answers_as_the_trained_model_on_every_evaluation_text(model_dir):
    model = load_or_build(model_dir, ASSETS)
    served = ServingModel.load(model_dir / SERVING, tokenizer_for(ASSETS))
    texts = [r.text for r in load_jsonl(eval_files(ASSETS))] + EDGES
    assert served.version == model.version
    ours, theirs = served.predict(texts), model.predict(texts)
    assert [_label(p) for p in ours] == [_label(p) for p in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert a.gap_confidence == pytest.approx(b.gap_confidence, abs=1e-5)
        assert a.dimension_confidence == pytest.approx(b.dimension_confidence, abs=1e-5)
    five = served.predict(texts[:20], top_terms=5)
    assert [p.terms for p in five] == [p.terms for p in model.predict(texts[:20], top_terms=5)]
    assert served.predict([]) == []


def _label(p: Prediction) -> tuple:
    return p.gap, p.dimension, p.terms, p.model_version


def test_classifying_needs_neither_scikit_learn_nor_the_model_in_the_worker(model_dir):
    """The worker's modules import no scikit-learn and no jieba; the serving model none."""
    script = (
        "import sys\n"
        "import pipeline.agents.runner\n"
        "print(sorted(m for m in ('sklearn', 'rjieba', 'scipy') if m in sys.modules))\n"
        "from pathlib import Path\n"
        "from pipeline.classifier.files import tokenizer_for\n"
        "from pipeline.classifier.serving import ServingModel\n"
        f"path = Path({str(model_dir / SERVING)!r})\n"
        "m = ServingModel.load(path, tokenizer_for(Path('models')))\n"
        "m.predict(['说好24小时上门，三天了还没人来'])\n"
        "print('sklearn' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["[]", "False"]
