"""The review loop in the warehouse: what waits for a human, and the labels they gave."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clickhouse_connect.driver.client import Client

from pipeline.contracts.review_label import ReviewLabel

# Queued predictions nobody has labeled yet, least confident first; a text that came in
# several times (the same complaint sent by many customers) is asked about once, and not at
# all once any copy of it has a label.
_WAITING = """
SELECT complaint_id, text, gap, gap_confidence, dimension, dimension_confidence, model_version, ts
FROM review_queue FINAL
WHERE complaint_id NOT IN (SELECT label_id FROM review_labels)
  AND text NOT IN (SELECT text FROM review_labels)
ORDER BY gap_confidence, ts, complaint_id
LIMIT 1 BY text
LIMIT {limit:UInt32}
"""
LABEL_COLUMNS = ("label_id", "text", "gap", "dimension", "source")


def waiting(client: Client, limit: int) -> list[dict[str, Any]]:
    """Rows for labelers: the text, what the model said, and empty label fields to fill."""
    result = client.query(_WAITING, parameters={"limit": limit})
    return [
        {
            "id": cid,
            "text": text,
            "gap": None,
            "dimension": None,
            "predicted_gap": gap,
            "gap_confidence": round(float(gap_conf), 4),
            "predicted_dimension": dim,
            "dimension_confidence": round(float(dim_conf), 4),
            "model_version": version,
            "ts": ts.isoformat(),
        }
        for cid, text, gap, gap_conf, dim, dim_conf, version, ts in result.result_rows
    ]


def store(client: Client, labels: Sequence[ReviewLabel], source: str) -> int:
    if labels:
        rows = [(lb.label_id, lb.text, lb.gap, lb.dimension, source) for lb in labels]
        client.insert("review_labels", rows, column_names=list(LABEL_COLUMNS))
    return len(labels)


def stored(client: Client) -> list[tuple[str, str, str | None]]:
    """Every human label, latest per id, in a stable order: (text, gap, dimension)."""
    return [
        (text, gap, dim)
        for text, gap, dim in client.query(
            "SELECT text, gap, dimension FROM review_labels FINAL ORDER BY label_id"
        ).result_rows
    ]
