"""How far independent readers agree, per domain: the ceiling a model is judged against."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.classifier.corpus import Labeled
from pipeline.classifier.labeling.readings import Agreement, agreement


@dataclass(frozen=True)
class ReaderAgreement:
    domain: str
    texts: int
    gap: Agreement  # first reading against second, gap only
    both: Agreement  # the same, gap and dimension together
    reader_vs_label: Agreement  # one reader against the settled label: a second careful reader


def reader_agreement(records: Sequence[Labeled]) -> list[ReaderAgreement]:
    """Per domain and over all ("all"), from the readings kept in the data."""
    groups: dict[str, list[Labeled]] = defaultdict(list)
    for record in records:
        if len(record.readings) >= 2:
            groups[record.domain or "unknown"].append(record)
            groups["all"].append(record)
    out = []
    for domain, group in sorted(groups.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        first = [r.readings[0] for r in group]
        second = [r.readings[1] for r in group]
        out.append(
            ReaderAgreement(
                domain,
                len(group),
                agreement((a.gap, b.gap) for a, b in zip(first, second, strict=True)),
                agreement(
                    ((a.gap, a.dimension), (b.gap, b.dimension))
                    for a, b in zip(first, second, strict=True)
                ),
                agreement((a.gap, r.gap) for a, r in zip(first, group, strict=True)),
            )
        )
    return out
