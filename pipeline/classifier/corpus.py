"""Labeled texts: the corpus under models/corpus/ and stored review corrections."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson

from pipeline.classifier.labeling.readings import Reading
from pipeline.classifier.tokenize import normalize
from pipeline.gaps import GAPS


@dataclass(frozen=True)
class Labeled:
    text: str
    gap: str
    dimension: str | None
    # Where the text comes from: a real source's domain (hotel, computer, book) or the
    # industry of one of our own texts; None when the line does not say.
    domain: str | None = None
    # The independent readings the label was settled from (see labeling/readings.py).
    readings: tuple[Reading, ...] = ()


def load_jsonl(paths: Iterable[Path]) -> list[Labeled]:
    records = []
    for path in paths:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            item = orjson.loads(line)
            if item["gap"] not in GAPS:
                raise ValueError(f"{path}:{lineno}: unknown gap label {item['gap']!r}")
            records.append(
                Labeled(
                    item["text"],
                    item["gap"],
                    item.get("dimension"),
                    item.get("domain") or item.get("industry"),
                    tuple(Reading.from_json(r) for r in item.get("readings", ())),
                )
            )
    return records


def corpus_files(assets_dir: Path) -> list[Path]:
    return sorted((assets_dir / "corpus").glob("*.jsonl"))


def eval_files(assets_dir: Path) -> list[Path]:
    """Evaluation sets: never trained or tuned on."""
    return sorted((assets_dir / "eval").glob("*.jsonl"))


def is_real(path: Path) -> bool:
    """Sets of real customer-written text are named real_<source>.jsonl, in corpus/ and eval/."""
    return path.stem.startswith("real_")


def unseen(records: list[Labeled], corpus: Iterable[Labeled]) -> tuple[list[Labeled], int]:
    """Drop texts that also appear in the corpus (after folding width and case): figures
    from texts the model was trained on do not count. Returns the rest and how many went."""
    known = {normalize(r.text) for r in corpus}
    kept = [r for r in records if normalize(r.text) not in known]
    return kept, len(records) - len(kept)
