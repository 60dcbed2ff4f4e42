"""The trained classifier as a worker serves it: its numbers in numpy arrays, read from one
.npz file, with neither scikit-learn nor a Python dict of n-grams in memory.

Why: the scikit-learn model held half a million n-gram strings in dicts (about 165 MiB once
unpickled) and `import sklearn` brings pandas and scipy.stats (about 130 MiB) into every
process that classifies. Here each n-gram is a 64-bit key in a sorted array: character
1–3-grams packed exactly (21 bits a code point), jieba word 1–2-grams by a polynomial hash
(checked free of collisions over the vocabulary when exported). The features, TF-IDF,
linear scores and temperature scaling are computed in the same order as scikit-learn's; the
coefficients are kept as float32 (half the memory). The gap, dimension and terms are the
model's own on every corpus and evaluation text and confidences differ by about 1e-6
(tests/integration/test_serving_model.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from scipy.sparse import csr_matrix

from pipeline.classifier.prediction import DIMENSIONLESS, Prediction
from pipeline.classifier.tokenize import Tokenizer, normalize
from pipeline.gaps import NO_DIMENSION

if TYPE_CHECKING:
    from pipeline.classifier.model import GapClassifier

_HASH = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier of the word n-grams' polynomial hash
_SPACE = ord(" ") + 1


def _codes(text: str) -> np.ndarray:
    """Code points + 1 (never 0), as uint64."""
    raw = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return raw.astype(np.uint64) + np.uint64(1)


def _powers(n: int) -> np.ndarray:
    """_HASH ** k mod 2**64 for k < n (numpy's uint64 arithmetic wraps)."""
    powers = np.full(max(n, 1), _HASH, dtype=np.uint64)
    powers[0] = 1
    return np.cumprod(powers, dtype=np.uint64)


def _string_hashes(joined: str, lengths: np.ndarray) -> np.ndarray:
    """Polynomial hash of each of the strings whose concatenation is ``joined``."""
    codes = _codes(joined)
    ends = np.cumsum(lengths)
    powers = _powers(int(lengths.max(initial=0)) + 2)
    # Each code point's exponent is its distance from the end of its string.
    exponent = np.repeat(ends, lengths) - 1 - np.arange(len(codes))
    summed = np.concatenate([np.zeros(1, np.uint64), np.cumsum(codes * powers[exponent])])
    return summed[ends] - summed[ends - lengths]


def word_keys(names: Sequence[str]) -> np.ndarray:
    """The key of each word n-gram: the hash of "a" or of "a b" as one string."""
    lengths = np.fromiter(map(len, names), dtype=np.int64, count=len(names))
    return _string_hashes("".join(names), lengths)


def char_keys(names: Sequence[str]) -> np.ndarray:
    """The key of each character 1–3-gram: its code points (+1) packed in 21 bits each."""
    keys = np.zeros(len(names), dtype=np.uint64)
    for i, name in enumerate(names):
        key = 0
        for j, ch in enumerate(name):
            key |= (ord(ch) + 1) << (21 * (2 - j))
        keys[i] = key
    return keys


class _Vocabulary:
    """Sorted keys and the column of each: n-gram key → feature column, or none."""

    def __init__(self, keys: np.ndarray, columns: np.ndarray) -> None:
        order = np.argsort(keys)
        self.keys, self.columns = keys[order], columns[order]

    @classmethod
    def of(cls, keys: np.ndarray, columns: np.ndarray, what: str) -> _Vocabulary:
        if len(np.unique(keys)) != len(keys):
            raise ValueError(f"two {what} n-grams share a key; the model cannot be served")
        return cls(keys, columns)

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(which of ``keys`` are known, their columns)."""
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        known = self.keys[at] == keys
        return known, self.columns[at[known]]


def _tfidf(
    rows: np.ndarray, columns: np.ndarray, n_rows: int, width: int, idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's TfidfVectorizer.transform (sublinear tf, l2 norm) on (row, column)
    occurrences: CSR (data, indices, indptr) with sorted indices, each value computed in the
    same order, so bit for bit the same."""
    cells, counts = np.unique(rows * width + columns, return_counts=True)
    rows, columns = cells // width, cells % width
    data = np.log(counts.astype(np.float64))
    data += 1.0
    data *= idf[columns]
    # bincount adds in order, as scikit-learn's row normalization does (np.add.reduceat
    # sums pairwise and may differ in the last bit).
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n_rows))
    norms[norms == 0.0] = 1.0
    data /= norms[rows]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_rows))])
    return data, columns, indptr


def _softmax(x: np.ndarray) -> np.ndarray:
    """sklearn.utils.extmath.softmax, step for step."""
    x = x - x.max(axis=1).reshape(-1, 1)
    np.exp(x, out=x)
    x /= x.sum(axis=1).reshape(-1, 1)
    return x


def _temperature(scores: np.ndarray, beta: float) -> np.ndarray:
    """CalibratedClassifierCV(method="temperature").predict_proba from the SVM's scores."""
    if scores.shape[1] == 1:  # two classes: one score, as logits (-x, x)
        logits = np.concatenate([-scores, scores], axis=1)
    else:
        logits = scores
        # scikit-learn reads a batch of scores that look like probabilities as probabilities.
        if np.all((scores >= 0) & (scores <= 1)) and np.all(np.isclose(scores.sum(axis=1), 1.0)):
            logits = np.log(scores + 1e-12)
    proba = _softmax(beta * logits)
    proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
    return proba


class ServingModel:
    """What GapClassifier.predict computes, from arrays alone."""

    def __init__(self, arrays: dict[str, np.ndarray], tokenizer: Tokenizer) -> None:
        self.version = str(arrays["version"])
        self.feature_version = str(arrays["feature_version"])
        self.tokenizer = tokenizer
        self._words = _Vocabulary(arrays["word_keys"], arrays["word_columns"])
        self._chars = _Vocabulary(arrays["char_keys"], arrays["char_columns"])
        self._word_idf, self._char_idf = arrays["word_idf"], arrays["char_idf"]
        # Both models' coefficients side by side, a row per feature (words, then characters).
        self._weights, self._intercepts = arrays["weights"], arrays["intercepts"]
        self._gap_classes = [str(c) for c in arrays["gap_classes"]]
        self._dim_classes = [str(c) for c in arrays["dim_classes"]]
        self._betas = arrays["betas"]
        self._gap_scores = int(arrays["gap_scores"])  # the first columns: one for two classes
        # Word names for the explaining terms: one string and offsets, not 150,000 objects.
        self._names, self._name_at = str(arrays["names"]), arrays["name_offsets"]
        self._term_short = arrays["term_short"]

    @classmethod
    def export(cls, model: GapClassifier) -> dict[str, np.ndarray]:
        """The arrays of a trained GapClassifier, checked to be servable."""
        from pipeline.classifier.model import _linear

        words, chars = model.words.vocabulary_, model.chars.vocabulary_
        gap, dim = _linear(model.gap_model), _linear(model.dim_model)
        word_vocab = _Vocabulary.of(
            word_keys(list(words)), np.fromiter(words.values(), np.int32), "word"
        )
        char_vocab = _Vocabulary.of(
            char_keys(list(chars)), np.fromiter(chars.values(), np.int32), "character"
        )
        names = [str(n) for n in model.words.get_feature_names_out()]
        return {
            "version": np.array(model.version),
            "feature_version": np.array(model.feature_version or "1"),
            "word_keys": word_vocab.keys,
            "word_columns": word_vocab.columns,
            "char_keys": char_vocab.keys,
            "char_columns": char_vocab.columns,
            "word_idf": model.words.idf_,
            "char_idf": model.chars.idf_,
            # float32: half the memory; on every corpus and evaluation text the same labels
            # and terms as the float64 model, confidences within 1e-6.
            "weights": np.ascontiguousarray(np.vstack([gap.coef_, dim.coef_]).T, np.float32),
            "intercepts": np.array([*gap.intercept_, *dim.intercept_]),
            "gap_classes": np.array([str(c) for c in model.gap_model.classes_]),
            "dim_classes": np.array([str(c) for c in model.dim_model.classes_]),
            "gap_scores": np.array(gap.coef_.shape[0]),
            "betas": np.array([_beta(model.gap_model), _beta(model.dim_model)]),
            "names": np.array("".join(names)),
            "name_offsets": np.concatenate([[0], np.cumsum([len(n) for n in names])]),
            "term_short": np.array([len(n.replace(" ", "")) < 2 for n in names]),
        }

    @classmethod
    def save(cls, model: GapClassifier, out: IO[bytes]) -> None:
        arrays: dict[str, Any] = cls.export(model)
        np.savez(out, allow_pickle=False, **arrays)

    @classmethod
    def load(cls, path: Path, tokenizer: Tokenizer) -> ServingModel:
        with np.load(path, allow_pickle=False) as npz:
            return cls({name: npz[name] for name in npz.files}, tokenizer)

    def predict(self, texts: Sequence[str], top_terms: int = 3) -> list[Prediction]:
        if not texts:
            return []
        normalized = [normalize(t) for t in texts]
        n_words = len(self._word_idf)
        word_data, word_cols, word_ptr = self._word_features(normalized)
        char_data, char_cols, char_ptr = self._char_features(normalized)
        # hstack([words, chars]) row by row, as scikit-learn's features.
        data = np.empty(len(word_data) + len(char_data))
        cols = np.empty(len(data), dtype=np.int64)
        indptr = word_ptr + char_ptr
        word_at = np.repeat(indptr[:-1], np.diff(word_ptr)) + _ranks(word_ptr)
        char_at = np.repeat(indptr[:-1] + np.diff(word_ptr), np.diff(char_ptr)) + _ranks(char_ptr)
        data[word_at], cols[word_at] = word_data, word_cols
        data[char_at], cols[char_at] = char_data, char_cols + n_words
        features = csr_matrix(
            (data.astype(self._weights.dtype), cols, indptr),
            shape=(len(texts), n_words + len(self._char_idf)),
        )
        # In the weights' precision (float32 when exported: half the memory), then float64.
        scores = (features @ self._weights).astype(np.float64) + self._intercepts
        n_gap = self._gap_scores
        gap_p = _temperature(scores[:, :n_gap], float(self._betas[0]))
        dim_p = _temperature(scores[:, n_gap:], float(self._betas[1]))
        gap_i, dim_i = gap_p.argmax(axis=1), dim_p.argmax(axis=1)
        terms = self._top_terms(word_data, word_cols, word_ptr, gap_i, top_terms)
        results = []
        for row in range(len(texts)):
            gap, dim = self._gap_classes[gap_i[row]], self._dim_classes[dim_i[row]]
            results.append(
                Prediction(
                    gap=gap,
                    gap_confidence=float(gap_p[row, gap_i[row]]),
                    dimension=None if dim == NO_DIMENSION or gap in DIMENSIONLESS else dim,
                    dimension_confidence=float(dim_p[row, dim_i[row]]),
                    model_version=self.version,
                    terms=terms[row],
                )
            )
        return results

    def _word_features(self, normalized: list[str]) -> tuple[np.ndarray, ...]:
        """jieba word 1–2-grams, as the word TfidfVectorizer (its documents are the tokens
        joined by spaces and split on single spaces again)."""
        tokens: list[str] = []
        rows: list[int] = []
        for row, text in enumerate(normalized):
            split = " ".join(self.tokenizer.split(text)).split(" ")
            tokens += split
            rows += [row] * len(split)
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        unigrams = _string_hashes("".join(tokens), lengths)
        token_rows = np.array(rows, dtype=np.int64)
        pair = np.flatnonzero(token_rows[:-1] == token_rows[1:])  # next token, same text
        powers = _powers(int(lengths.max(initial=0)) + 2)
        after = lengths[pair + 1]
        bigrams = (
            unigrams[pair] * powers[after + 1] + powers[after] * np.uint64(_SPACE)
        ) + unigrams[pair + 1]
        known, columns = self._words.lookup(np.concatenate([unigrams, bigrams]))
        where = np.concatenate([token_rows, token_rows[pair]])[known]
        return _tfidf(where, columns, len(normalized), len(self._word_idf), self._word_idf)

    def _char_features(self, normalized: list[str]) -> tuple[np.ndarray, ...]:
        """Character 1–3-grams within each word padded by a space on both sides (char_wb)."""
        words: list[str] = []
        rows: list[int] = []
        for row, text in enumerate(normalized):
            split = text.lower().split()
            words += split
            rows += [row] * len(split)
        padded = np.fromiter((len(w) + 2 for w in words), dtype=np.int64, count=len(words))
        codes = _codes("".join(f" {w} " for w in words))
        at = _ranks(np.concatenate([[0], np.cumsum(padded)]))  # place within its padded word
        room = np.repeat(padded, padded) - at  # code points from here to the word's end
        code_rows = np.repeat(np.array(rows, dtype=np.int64), padded)
        keys, key_rows = [], []
        for n in (1, 2, 3):
            start = np.flatnonzero(room >= n)
            key = codes[start] << np.uint64(42)
            for j in range(1, n):
                key |= codes[start + j] << np.uint64(21 * (2 - j))
            keys.append(key)
            key_rows.append(code_rows[start])
        known, columns = self._chars.lookup(np.concatenate(keys))
        where = np.concatenate(key_rows)[known]
        return _tfidf(where, columns, len(normalized), len(self._char_idf), self._char_idf)

    def _top_terms(
        self,
        data: np.ndarray,
        indices: np.ndarray,
        indptr: np.ndarray,
        classes: np.ndarray,
        k: int,
    ) -> list[tuple[str, ...]]:
        """GapClassifier._top_terms on the word features: longer terms first, then weight."""
        n_rows = len(indptr) - 1
        row_of = np.repeat(np.arange(n_rows), np.diff(indptr))
        # Two gap classes have one score column (for the second): its weights explain both.
        column = classes[row_of] if self._gap_scores > 1 else np.zeros_like(row_of)
        weights = data * self._weights[indices, column]
        pushing = np.flatnonzero(weights > 0)
        order = pushing[
            np.lexsort((-weights[pushing], self._term_short[indices[pushing]], row_of[pushing]))
        ]
        rows = row_of[order]
        starts = np.searchsorted(rows, np.arange(n_rows + 1))
        features, names, at = indices[order], self._names, self._name_at
        return [
            tuple(
                names[at[i] : at[i + 1]]
                for i in features[starts[r] : min(starts[r] + k, starts[r + 1])]
            )
            for r in range(n_rows)
        ]


def _ranks(indptr: np.ndarray) -> np.ndarray:
    """Each element's place within its segment of a CSR-like indptr."""
    sizes = np.diff(indptr)
    return np.arange(int(indptr[-1])) - np.repeat(indptr[:-1], sizes)


def _beta(model: Any) -> float:
    (calibrated,) = model.calibrated_classifiers_  # ensemble=False: one
    (scaling,) = calibrated.calibrators
    return float(scaling.beta_)
