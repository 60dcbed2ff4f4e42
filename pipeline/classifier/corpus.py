"""Labeled texts: the corpus under models/corpus/ and stored review corrections."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson

GAPS = (
    "gap1_knowledge",
    "gap2_standards",
    "gap3_delivery",
    "gap4_communication",
    "gap5_perception",
    "not_complaint",
)


@dataclass(frozen=True)
class Labeled:
    text: str
    gap: str
    dimension: str | None


def load_jsonl(paths: Iterable[Path]) -> list[Labeled]:
    records = []
    for path in paths:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            item = orjson.loads(line)
            if item["gap"] not in GAPS:
                raise ValueError(f"{path}:{lineno}: unknown gap label {item['gap']!r}")
            records.append(Labeled(item["text"], item["gap"], item.get("dimension")))
    return records


def corpus_files(assets_dir: Path) -> list[Path]:
    return sorted((assets_dir / "corpus").glob("*.jsonl"))
