"""Why satisfaction dropped: the complaints of the same scope and span, in gaps-model terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from clickhouse_connect.driver.client import Client

from pipeline.alerting.detector import AlertEvent
from pipeline.gaps import ACTIONS, NO_DIMENSION, NOT_COMPLAINT, PERCEPTION


@dataclass(frozen=True)
class Explanation:
    gaps: dict[str, int]
    dimensions: dict[str, int]
    top_terms: list[str]
    likely_cause: str


def _where(alert: AlertEvent) -> tuple[str, dict[str, datetime | str]]:
    params: dict[str, datetime | str] = {
        "start": alert.window_start,
        "end": alert.window_end,
        "store": alert.scope.store_id,
        "channel": alert.scope.channel,
        "group": alert.scope.group,
    }
    clause = "bucket >= {start:DateTime} AND bucket < {end:DateTime}"
    if alert.scope.kind in ("region", "brand"):  # the stores of the group, as listed now
        clause += (
            f" AND store_id IN (SELECT store_id FROM stores FINAL "
            f"WHERE {alert.scope.kind} = {{group:String}})"
        )
    if alert.scope.store_id:
        clause += " AND store_id = {store:String}"
    if alert.scope.channel:
        clause += " AND channel = {channel:String}"
    return clause, params


def explain(client: Client, alert: AlertEvent) -> Explanation:
    clause, params = _where(alert)
    rows = client.query(
        f"SELECT gap, dimension, sum(complaints) FROM complaints_minute WHERE {clause} "
        f"AND gap != '{NOT_COMPLAINT}' GROUP BY gap, dimension",
        parameters=params,
    ).result_rows
    gaps: dict[str, int] = {}
    dimensions: dict[str, int] = {}
    for gap, dimension, n in rows:
        gaps[gap] = gaps.get(gap, 0) + int(n)
        if dimension != NO_DIMENSION:
            dimensions[dimension] = dimensions.get(dimension, 0) + int(n)
    raw_clause = clause.replace("bucket", "ts")
    terms = client.query(
        f"SELECT topK(5)(term) FROM complaints ARRAY JOIN terms AS term WHERE {raw_clause} "
        f"AND gap != '{NOT_COMPLAINT}'",
        parameters=params,
    ).result_rows
    return Explanation(gaps, dimensions, list(terms[0][0]) if terms else [], likely_cause(gaps))


def likely_cause(gaps: dict[str, int]) -> str:
    total = sum(gaps.values())
    if not total:
        return "no complaints in this span: " + ACTIONS[PERCEPTION]
    gap, n = max(sorted(gaps.items()), key=lambda item: item[1])
    return f"{n} of {total} complaints point to {ACTIONS[gap]}"
