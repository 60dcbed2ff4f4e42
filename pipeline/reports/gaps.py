"""Per store: the dominant gaps and dimensions of a period, their trend, and what to do."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from clickhouse_connect.driver.client import Client

from pipeline.gaps import ACTIONS

_COUNTS = """
SELECT store_id, gap, dimension, bucket < {middle:DateTime} AS first_half, sum(complaints)
FROM complaints_hour
WHERE bucket >= {since:DateTime} AND bucket < {until:DateTime} AND gap != 'not_complaint'
  AND ({store:String} = '' OR store_id = {store:String})
GROUP BY store_id, gap, dimension, first_half
"""


@dataclass(frozen=True)
class GapShare:
    gap: str
    complaints: int
    share: float
    # Share in the second half of the period minus share in the first; None if a half is empty.
    trend: float | None


@dataclass(frozen=True)
class StoreGaps:
    store_id: str
    complaints: int
    gaps: list[GapShare]  # dominant first
    dimensions: list[tuple[str, int]]

    @property
    def action(self) -> str:
        return ACTIONS[self.gaps[0].gap]


def gap_report(
    client: Client, since: datetime, until: datetime, store: str = ""
) -> list[StoreGaps]:
    middle = since + (until - since) / 2
    rows = client.query(
        _COUNTS, parameters={"since": since, "until": until, "middle": middle, "store": store}
    ).result_rows
    return summarise(rows)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def summarise(rows: list[tuple]) -> list[StoreGaps]:
    """rows: (store_id, gap, dimension, first_half, complaints)."""
    halves: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    dims: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for store, gap, dimension, first_half, n in rows:
        halves[store][gap][0 if first_half else 1] += int(n)
        if dimension != "none":
            dims[store][dimension] += int(n)
    report = []
    for store in sorted(halves):
        by_gap = halves[store]
        first = sum(h[0] for h in by_gap.values())
        second = sum(h[1] for h in by_gap.values())
        total = first + second
        shares = [
            GapShare(
                gap,
                sum(h),
                sum(h) / total,
                _share(h[1], second) - _share(h[0], first) if first and second else None,
            )
            for gap, h in by_gap.items()
        ]
        shares.sort(key=lambda g: (-g.complaints, g.gap))
        top_dims = sorted(dims[store].items(), key=lambda d: (-d[1], d[0]))
        report.append(StoreGaps(store, total, shares, top_dims))
    return report
