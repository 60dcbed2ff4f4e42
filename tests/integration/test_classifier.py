from __future__ import annotations

import pytest

from pipeline.classifier import GAPS, load_or_build, train
from pipeline.classifier.artifact import ARTIFACT
from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.integration
ASSETS = PROJECT_ROOT / "models"


def test_artifact_is_built_on_first_use_and_then_loaded(tmp_path):
    built = load_or_build(tmp_path, ASSETS)
    assert (tmp_path / ARTIFACT).exists()
    loaded = load_or_build(tmp_path, ASSETS)
    text = ["师傅迟到两个小时还态度差"]
    assert loaded.version == built.version
    assert loaded.predict(text) == built.predict(text)


def test_training_is_deterministic():
    text = ["退货要原包装，这规定不合理", "广告说不限流量结果限速"]
    assert train(ASSETS).predict(text) == train(ASSETS).predict(text)


def test_predictions_carry_labels_confidences_version_and_terms(model_dir):
    model = load_or_build(model_dir, ASSETS)
    [p] = model.predict(["广告上写着不限流量，用了二十个G就限速"])
    assert p.gap in GAPS and 0 < p.gap_confidence <= 1 and 0 < p.dimension_confidence <= 1
    assert p.model_version.startswith("gapclf-")
    assert p.gap == "gap4_communication"
    assert any("限速" in term for term in p.terms)
    assert all(
        word in "广告上写着不限流量，用了二十个g就限速" for t in p.terms for word in t.split()
    )
    [praise] = model.predict(["服务很好，谢谢"])
    assert praise.gap == "not_complaint" and praise.dimension is None


def test_empty_batch_predicts_nothing(model_dir):
    assert load_or_build(model_dir, ASSETS).predict([]) == []
