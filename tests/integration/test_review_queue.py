"""Predictions below the review threshold are queued in the same insert as the complaint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.config import Settings
from pipeline.warehouse import connect
from pipeline.warehouse.setup import prepare_warehouse, set_review_threshold
from pipeline.warehouse.tables import COMPLAINTS

pytestmark = pytest.mark.integration
TS = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _complaint(cid: str, confidence: float) -> tuple:
    return (
        cid,
        TS,
        "S1",
        "app",
        "不太满意",
        None,
        None,
        None,
        "gap5_perception",
        confidence,
        None,
        0.4,
        "m1",
        [],
        0,
        0,
    )


def test_low_confidence_predictions_wait_for_review(tmp_path):
    client = connect(f"chdb://{tmp_path / 'chdb'}")
    try:
        settings = Settings().with_(review_threshold=0.6)
        assert prepare_warehouse(client, settings).review_threshold_set == 0.6
        assert prepare_warehouse(client, settings).review_threshold_set is None  # unchanged

        columns = list(COMPLAINTS.columns)
        client.insert(
            "complaints", [_complaint("a", 0.3), _complaint("b", 0.7)], column_names=columns
        )
        assert set_review_threshold(client, 0.8)
        client.insert(
            "complaints", [_complaint("c", 0.75), _complaint("d", 0.9)], column_names=columns
        )
        queued = client.query("SELECT complaint_id FROM review_queue FINAL ORDER BY 1").result_rows
        assert queued == [("a",), ("c",)]
    finally:
        client.close()
