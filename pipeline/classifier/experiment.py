"""What human review buys on a new customer's own text.

For each domain (a real source's domain, an industry of our own texts): leave it out of
training and score its held-out texts; then add 100 of its texts labeled by a person, chosen
as `gapwatch review export` chooses them (least confident first), retrain and score again;
and beside it, 100 of its texts picked at random. The gap between the two says whether the
review loop's choice is worth a reviewer's time.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.classifier.artifact import train_on
from pipeline.classifier.corpus import Labeled
from pipeline.classifier.evaluate import evaluate
from pipeline.classifier.model import GapClassifier


@dataclass(frozen=True)
class ReviewGain:
    domain: str
    reviewed: int  # texts labeled and added (fewer than asked where the domain is small)
    held_out: int  # texts scored, never trained on
    before: float  # accuracy without any text of the domain
    after_review: float  # … with the least confident texts labeled
    after_random: float  # … with as many texts picked at random

    def to_dict(self) -> dict:
        return asdict(self)


def least_confident(model: GapClassifier, records: Sequence[Labeled], n: int) -> list[Labeled]:
    """The order of the review queue: lowest gap confidence first (ties by text)."""
    predictions = model.predict([r.text for r in records])
    ranked = sorted(
        zip(records, predictions, strict=True), key=lambda rp: (rp[1].gap_confidence, rp[0].text)
    )
    return [record for record, _ in ranked[:n]]


def review_gain(
    assets_dir: Path,
    others: Sequence[Labeled],
    pool: Sequence[Labeled],
    held_out: Sequence[Labeled],
    domain: str,
    reviewed: int = 100,
    step: Callable[[str], None] = lambda _: None,
    seed: int = 7,
) -> ReviewGain:
    """``others``: every training text but the domain's; ``pool``: the domain's texts a
    reviewer could be given; ``held_out``: the domain's texts to score, none in the pool."""
    n = min(reviewed, len(pool))
    step(f"{domain}: training without it")
    base = train_on(list(others), assets_dir, f"without-{domain}")
    chosen = least_confident(base, pool, n)
    drawn = random.Random(seed).sample(list(pool), n)
    step(f"{domain}: retraining with {n} reviewed texts")
    with_review = train_on([*others, *chosen], assets_dir, f"{domain}-reviewed")
    step(f"{domain}: retraining with {n} random texts")
    with_random = train_on([*others, *drawn], assets_dir, f"{domain}-random")
    return ReviewGain(
        domain=domain,
        reviewed=n,
        held_out=len(held_out),
        before=evaluate(base, held_out, domain).accuracy,
        after_review=evaluate(with_review, held_out, domain).accuracy,
        after_random=evaluate(with_random, held_out, domain).accuracy,
    )


def split_held_out(
    records: Sequence[Labeled], held_share: float = 0.3, seed: int = 7
) -> tuple[list[Labeled], list[Labeled]]:
    """For a domain with no evaluation set of its own (our industries): a seeded share of its
    texts is held out; the rest is the pool a review draws from. Returns (held, pool)."""
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    cut = int(len(shuffled) * held_share)
    return shuffled[:cut], shuffled[cut:]
