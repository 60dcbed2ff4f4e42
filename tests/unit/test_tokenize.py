"""Our tokenizer is jieba's segmentation: rjieba is held to the jieba package's own output."""

import logging
import math
from pathlib import Path

import jieba
import pytest

from pipeline.classifier.artifact import tokenizer_for
from pipeline.classifier.corpus import corpus_files, eval_files, load_jsonl
from pipeline.classifier.tokenize import Tokenizer, normalize

ASSETS = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture(scope="module")
def reference() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    with (ASSETS / "userdict.txt").open("rb") as handle:
        tokenizer.load_userdict(handle)
    return tokenizer


def route_score(reference: jieba.Tokenizer, words: list[str]) -> float:
    """jieba's own measure of a segmentation: the sum of its words' log frequencies."""
    return sum(math.log(reference.FREQ.get(w) or 1) for w in words)


def test_segmentation_is_jiebas_on_every_labeled_text(reference):
    tokenizer = tokenizer_for(ASSETS)
    texts = [normalize(r.text) for r in load_jsonl([*corpus_files(ASSETS), *eval_files(ASSETS)])]
    assert len(texts) > 3000
    differ = [
        (text, ours, theirs)
        for text in texts
        if (ours := tokenizer._jieba.cut(text, hmm=False))
        != (theirs := reference.lcut(text, HMM=False))
    ]
    # Where two routes score exactly alike (呜呜呜: 呜+呜呜 or 呜呜+呜) the two break the
    # tie differently; anywhere else a difference is a bug.
    not_ties = [
        (text, ours, theirs)
        for text, ours, theirs in differ
        if not math.isclose(route_score(reference, ours), route_score(reference, theirs))
    ]
    assert not_ties == []
    assert len(differ) <= len(texts) // 1000, differ  # ties stay rare


def test_user_dictionary_words_stay_whole(tmp_path):
    text = "这个套餐说好不限流量结果还是限速"
    plain = Tokenizer(None, None).tokens(text)
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("\ufeff不限流量 10 n\n\n限速\n", encoding="utf-8")
    tokens = Tokenizer(userdict, None).tokens(text)
    assert "不限流量" not in plain
    assert "不限流量" in tokens and "限速" in tokens


def test_stopwords_punctuation_and_symbols_are_dropped(tmp_path):
    # Emoji are symbols: they leave the word features, the character n-grams keep them.
    stopwords = tmp_path / "stopwords.txt"
    stopwords.write_text("的\n了\n", encoding="utf-8")
    tokens = Tokenizer(None, stopwords).tokens("快递的 包装破了！！😡 ＡＢＣ")
    assert tokens == ["快递", "包装", "破", "abc"]
