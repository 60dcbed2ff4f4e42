"""Per store: the dominant gaps and dimensions of a period, their trend, and what to do."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from pipeline.gaps import ACTIONS, NO_DIMENSION, NOT_COMPLAINT
from pipeline.reports.window import EDGE_MINUTES, EDGE_SECONDS, HOURS, PRELUDE

_IS_COMPLAINT = f"gap != '{NOT_COMPLAINT}'"
_SCOPE = _IS_COMPLAINT + " AND ({store:String} = '' OR store_id = {store:String})"

# Complaints per store, gap and dimension in [since, until), exact at any second.
_COUNTS = f"""{PRELUDE}
SELECT store_id, gap, dimension, sum(n)
FROM (
    SELECT store_id, gap, dimension, complaints AS n
    FROM complaints_hour WHERE {HOURS} AND {_SCOPE}
    UNION ALL
    SELECT store_id, gap, dimension, complaints
    FROM complaints_minute WHERE {EDGE_MINUTES} AND {_SCOPE}
    UNION ALL
    SELECT store_id, gap, ifNull(dimension, '{NO_DIMENSION}'), toUInt64(1)
    FROM complaints WHERE {EDGE_SECONDS} AND {_SCOPE}
)
GROUP BY store_id, gap, dimension
"""

_EXTENT = f"""
SELECT min(ts), max(ts), count()
FROM complaints
WHERE ts >= {{since:DateTime}} AND ts < {{until:DateTime}} AND {_IS_COMPLAINT}
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
    halves: tuple[int, int] = (0, 0)  # complaints in the first and the second half

    @property
    def action(self) -> str:
        return ACTIONS[self.gaps[0].gap]


def middle_of(since: datetime, until: datetime) -> datetime:
    """Where the halves meet, on a whole second as the warehouse counts them."""
    return (since + (until - since) / 2).replace(microsecond=0)


def complaint_extent(
    client: Client, since: datetime, until: datetime
) -> tuple[datetime, datetime] | None:
    """The first and last complaint in [since, until), so a default window fits the data."""
    first, last, n = client.query(_EXTENT, parameters={"since": since, "until": until}).result_rows[
        0
    ]
    return (first, last) if n else None


def _counts(
    client: Client, since: datetime, until: datetime, store: str
) -> Sequence[Sequence[Any]]:
    parameters = {"since": since, "until": until, "store": store}
    return client.query(_COUNTS, parameters=parameters).result_rows


def gap_report(
    client: Client, since: datetime, until: datetime, store: str = ""
) -> list[StoreGaps]:
    middle = middle_of(since, until)
    rows = [(s, g, d, True, n) for s, g, d, n in _counts(client, since, middle, store)]
    rows += [(s, g, d, False, n) for s, g, d, n in _counts(client, middle, until, store)]
    return summarise(rows)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def summarise(rows: list[tuple]) -> list[StoreGaps]:
    """rows: (store_id, gap, dimension, first_half, complaints)."""
    halves: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    dims: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for store, gap, dimension, first_half, n in rows:
        halves[store][gap][0 if first_half else 1] += int(n)
        if dimension != NO_DIMENSION:
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
        report.append(StoreGaps(store, total, shares, top_dims, (first, second)))
    return report
