"""`gapwatch evaluate` as one piece of work: score the model on every evaluation set, per
domain beside what independent readers agree on, and measure what review buys per domain.
The command only prints it; card.py writes it down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.classifier.artifact import load_or_build
from pipeline.classifier.corpus import (
    Labeled,
    corpus_files,
    eval_files,
    is_real,
    load_jsonl,
    unseen,
)
from pipeline.classifier.evaluate import Report, evaluate
from pipeline.classifier.experiment import ReviewGain, review_gain, split_held_out
from pipeline.classifier.labeling.agreement import ReaderAgreement, reader_agreement


@dataclass
class Assessment:
    model_version: str
    corpus: dict[str, int]  # texts per corpus file
    reports: list[Report] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)  # eval texts also in the corpus
    real_agreement: list[ReaderAgreement] = field(default_factory=list)
    our_agreement: list[ReaderAgreement] = field(default_factory=list)
    review_gains: list[ReviewGain] = field(default_factory=list)

    @property
    def training_texts(self) -> int:
        return sum(self.corpus.values())


def assess(
    model_dir: Path,
    assets_dir: Path,
    reviewed: int = 100,
    step: Callable[[str], None] = lambda _: None,
) -> Assessment:
    model = load_or_build(model_dir, assets_dir)
    by_file = {path: load_jsonl([path]) for path in corpus_files(assets_dir)}
    corpus = [r for records in by_file.values() for r in records]
    result = Assessment(model.version, {p.stem: len(rs) for p, rs in by_file.items()})
    real_eval: list[Labeled] = []
    our_eval: list[Labeled] = []
    for path in eval_files(assets_dir):
        records, dropped = unseen(load_jsonl([path]), corpus)
        if dropped:
            result.dropped[path.stem] = dropped
        step(f"scoring {path.stem}")
        result.reports.append(evaluate(model, records, path.stem))
        (real_eval if is_real(path) else our_eval).extend(records)
    real_corpus = [r for p, rs in by_file.items() if is_real(p) for r in rs]
    our_corpus = [r for p, rs in by_file.items() if not is_real(p) for r in rs]
    result.real_agreement = reader_agreement([*real_corpus, *real_eval])
    result.our_agreement = [
        a for a in reader_agreement([*our_corpus, *our_eval]) if a.domain == "all"
    ]
    if reviewed > 0:
        result.review_gains = _review_gains(
            assets_dir, corpus, real_corpus, real_eval, our_corpus, reviewed, step
        )
    return result


def _review_gains(
    assets_dir: Path,
    corpus: list[Labeled],
    real_corpus: list[Labeled],
    real_eval: list[Labeled],
    our_corpus: list[Labeled],
    reviewed: int,
    step: Callable[[str], None],
) -> list[ReviewGain]:
    """Real domains are scored on their evaluation texts; our industries have too few of
    those, so 30% of each industry's corpus texts is held out and the rest is the pool
    reviews come from; with only about a hundred texts in it, half the pool is reviewed, so
    the least confident and a random draw are different texts."""
    gains = []
    for domain in sorted({r.domain for r in real_corpus if r.domain}):
        held = [r for r in real_eval if r.domain == domain]
        pool = [r for r in real_corpus if r.domain == domain]
        taken = set(map(id, pool))
        others = [r for r in corpus if id(r) not in taken]
        if held:
            gains.append(review_gain(assets_dir, others, pool, held, domain, reviewed, step))
    real = set(map(id, real_corpus))
    for industry in sorted({r.domain for r in our_corpus if r.domain}):
        texts = [r for r in our_corpus if r.domain == industry]
        held, pool = split_held_out(texts)
        # Our "hotel" industry is not the real hotel reviews: only its own texts leave.
        others = [r for r in corpus if id(r) in real or r.domain != industry]
        n = min(reviewed, len(pool) // 2)
        gains.append(review_gain(assets_dir, others, pool, held, industry, n, step))
    return gains
