"""The arrays a worker serves (serving.py) answer exactly as the scikit-learn model they were
exported from: same gap, dimension and terms, same confidences to the last bit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline.classifier import load_or_build
from pipeline.classifier.corpus import eval_files, load_jsonl
from pipeline.classifier.files import SERVING, tokenizer_for
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
    assert served.predict(texts) == model.predict(texts)  # dataclass equality: exact floats
    assert served.predict(texts[:1], top_terms=5) == model.predict(texts[:1], top_terms=5)
    assert served.predict([]) == []


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
