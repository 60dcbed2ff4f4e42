"""Text normalisation and jieba tokenisation with our domain dictionary and stopwords.

jieba's segmentation is computed by rjieba (jieba-rs: jieba's dictionary and algorithm in
Rust), eight times faster than the Python package; tests/unit/test_tokenize.py holds it to
jieba's own output on every text of the corpus and evaluation sets.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import rjieba

# jieba's user dictionary line: the word, then an optional frequency and part-of-speech tag.
_USERDICT_LINE = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$")


def normalize(text: str) -> str:
    """NFKC folds full-width letters, digits and punctuation; lower-case folds English."""
    return unicodedata.normalize("NFKC", text).lower().strip()


class Tokenizer:
    """A private jieba instance, so our user dictionary never leaks into other code."""

    def __init__(self, userdict: Path | None, stopwords: Path | None) -> None:
        self._jieba = rjieba.Jieba()
        if userdict is not None and userdict.exists():
            for word, freq, tag in _userdict_entries(userdict):
                self._jieba.add_word(word, freq, tag)
        self._stop = (
            frozenset(stopwords.read_text(encoding="utf-8").split())
            if stopwords is not None and stopwords.exists()
            else frozenset()
        )

    def tokens(self, text: str) -> list[str]:
        return self.split(normalize(text))

    def split(self, normalized: str) -> list[str]:
        """Tokens of a text already passed through ``normalize``."""
        # HMM off: a third faster, and cross-validation on the corpus scored the same; words
        # jieba does not know fall apart into characters, which the character n-grams cover.
        return [
            tok
            for tok in self._jieba.cut(normalized, hmm=False)
            if tok.strip() and tok not in self._stop and not _is_punct(tok)
        ]

    def __getstate__(self) -> dict:
        raise TypeError("Tokenizer is rebuilt from the model assets, never pickled")


def _userdict_entries(path: Path) -> list[tuple[str, int | None, str | None]]:
    """The entries of a jieba user dictionary, read as jieba reads them."""
    entries = []
    for raw in path.read_text(encoding="utf-8-sig").splitlines():
        line = raw.strip()
        if not line:
            continue
        match = _USERDICT_LINE.match(line)
        assert match is not None  # the pattern matches any non-empty line
        word, freq, tag = match.groups()
        entries.append((word, int(freq) if freq else None, tag.strip() if tag else None))
    return entries


@functools.lru_cache(maxsize=1 << 16)  # the same few thousand tokens come back all the time
def _is_punct(token: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PSZ" for ch in token)
