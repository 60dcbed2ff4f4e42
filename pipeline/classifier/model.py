"""The gap classifier: jieba word and character n-grams → linear SVMs for gap and dimension,
their scores calibrated by temperature scaling (so a 0.8 means right about 8 times in 10).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.svm import LinearSVC

from pipeline.classifier.corpus import Labeled
from pipeline.classifier.prediction import DIMENSIONLESS as _DIMENSIONLESS
from pipeline.classifier.prediction import Prediction
from pipeline.classifier.tokenize import Tokenizer, normalize
from pipeline.gaps import NO_DIMENSION

# Training reports (step, share of the whole done); shares weigh the steps by their time.
Progress = Callable[[str, float], None]


def _silent(step: str, done: float) -> None:
    pass


__all__ = ["GapClassifier", "Prediction", "Progress"]


def _split(doc: str) -> list[str]:
    return doc.split(" ")


def _fit_calibrated(features: csr_matrix, labels: list[str]) -> CalibratedClassifierCV:
    """A linear SVM per task, its scores turned into probabilities by temperature scaling
    fitted on 3-fold out-of-fold predictions, then one model refit on everything: the argmax
    (and so the label) is the SVM's own; only confidences change. Chosen by 5-fold
    cross-validation on the corpus (models/MODEL_CARD.md): as accurate as the logistic
    regression it replaced and forty times faster to train. Folds are not shuffled and the
    SVM's coordinate descent shuffles with a fixed seed, so training is repeatable.

    A small corpus (a customer's first labels, a test's) may hold a label fewer than three
    times: the folds shrink to the rarest label's count, and a label seen once leaves no
    fold to calibrate on, so the temperature is then fitted on the training texts themselves
    (confidences too high, labels unchanged)."""
    linear = LinearSVC(C=0.5, class_weight="balanced", random_state=0)  # dual CD shuffles
    folds = min(3, min(Counter(labels).values()))
    if folds >= 2:
        model = CalibratedClassifierCV(linear, method="temperature", cv=folds, ensemble=False)
        return model.fit(features, labels)
    frozen = FrozenEstimator(linear.fit(features, labels))
    everything = np.arange(len(labels))  # one "fold" scoring the fitted SVM on its own texts
    whole = CalibratedClassifierCV(
        frozen, method="temperature", cv=[(everything, everything)], ensemble=False
    )
    return whole.fit(features, labels)


def _linear(model: CalibratedClassifierCV) -> LinearSVC:
    """The linear SVM behind a calibration, whose weights explain a prediction."""
    estimator = model.calibrated_classifiers_[0].estimator
    return estimator.estimator if isinstance(estimator, FrozenEstimator) else estimator


class GapClassifier:
    def __init__(self, version: str, tokenizer: Tokenizer) -> None:
        self.version = version
        self.feature_version: str | None = None  # set by training: which code built it
        self.texts = 0  # labeled texts it was fit on
        self.tokenizer = tokenizer
        self.words = TfidfVectorizer(
            tokenizer=_split,
            token_pattern=None,
            lowercase=False,
            ngram_range=(1, 2),
            sublinear_tf=True,
        )
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        self.gap_model: CalibratedClassifierCV  # set by fit
        self.dim_model: CalibratedClassifierCV  # set by fit

    def fit(self, records: Sequence[Labeled], progress: Progress = _silent) -> GapClassifier:
        self.texts = len(records)
        normalized = [normalize(r.text) for r in records]
        progress(f"tokenizing {len(records):,} texts", 0.0)
        docs = []
        for i, text in enumerate(normalized):
            docs.append(self._word_doc(text))
            if i % 500 == 0:
                progress(f"tokenizing {len(records):,} texts", 0.05 * i / len(normalized))
        progress("counting word and character n-grams", 0.05)
        features = hstack(
            [self.words.fit_transform(docs), self.chars.fit_transform(normalized)]
        ).tocsr()
        progress("fitting the gap model", 0.1)
        self.gap_model = _fit_calibrated(features, [r.gap for r in records])
        progress("fitting the dimension model", 0.55)
        self.dim_model = _fit_calibrated(features, [r.dimension or NO_DIMENSION for r in records])
        progress("done", 1.0)
        self._word_names = self.words.get_feature_names_out()
        self._gap_linear = _linear(self.gap_model)
        self._index_terms()
        return self

    def predict(self, texts: Sequence[str], top_terms: int = 3) -> list[Prediction]:
        if not texts:
            return []
        normalized = [normalize(t) for t in texts]
        word_x = self.words.transform([self._word_doc(t) for t in normalized])
        features = hstack([word_x, self.chars.transform(normalized)]).tocsr()
        gap_p = self.gap_model.predict_proba(features)
        dim_p = self.dim_model.predict_proba(features)
        gap_i, dim_i = gap_p.argmax(axis=1), dim_p.argmax(axis=1)
        terms = self._top_terms(word_x, gap_i, top_terms)
        results = []
        for row in range(len(texts)):
            gap = str(self.gap_model.classes_[gap_i[row]])
            dim = str(self.dim_model.classes_[dim_i[row]])
            results.append(
                Prediction(
                    gap=gap,
                    gap_confidence=float(gap_p[row, gap_i[row]]),
                    dimension=None if dim == NO_DIMENSION or gap in _DIMENSIONLESS else dim,
                    dimension_confidence=float(dim_p[row, dim_i[row]]),
                    model_version=self.version,
                    terms=terms[row],
                )
            )
        return results

    def _word_doc(self, normalized: str) -> str:
        return " ".join(self.tokenizer.split(normalized))

    def _top_terms(self, words: csr_matrix, classes: np.ndarray, k: int) -> list[tuple[str, ...]]:
        """Per text, the word features that pushed it hardest towards its predicted gap.

        Single characters (上, 写) explain nothing to a reader, so longer terms come first.
        One sort over the whole batch: a Python sort per text cost a tenth of classifying.
        """
        n_rows = words.shape[0]
        coefs = self._gap_linear.coef_[:, : len(self._term_names)]
        row_of = np.repeat(np.arange(n_rows), np.diff(words.indptr))
        weights = words.data * coefs[classes[row_of], words.indices]
        pushing = np.flatnonzero(weights > 0)
        # Stable, so ties keep feature order: by text, then long before short, then weight.
        order = pushing[
            np.lexsort(
                (-weights[pushing], self._term_short[words.indices[pushing]], row_of[pushing])
            )
        ]
        rows = row_of[order]
        starts = np.searchsorted(rows, np.arange(n_rows + 1))
        names, features = self._term_names, words.indices[order]
        return [
            tuple(names[i] for i in features[starts[r] : min(starts[r] + k, starts[r + 1])])
            for r in range(n_rows)
        ]

    def _index_terms(self) -> None:
        self._term_names = [str(name) for name in self._word_names]
        self._term_short = np.array([len(n.replace(" ", "")) < 2 for n in self._term_names])

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["tokenizer"]  # jieba is rebuilt from the assets on load
        for derived in ("_term_names", "_term_short"):  # rebuilt from _word_names on load
            state.pop(derived, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "_word_names" in state:
            self._index_terms()
