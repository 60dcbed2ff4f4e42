from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from pipeline.agents.batch import (
    Message,
    accept_complaints,
    complaint_rows,
    dead_letter_batch,
    satisfaction_batch,
)
from pipeline.classifier import Prediction
from pipeline.contracts import Limits
from pipeline.sinks import ListSink
from pipeline.warehouse.tables import COMPLAINTS, DEAD_LETTERS, SATISFACTION_EVENTS

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def msg(value: bytes | None, offset: int, topic: str = "satisfaction-events") -> Message:
    return Message(topic, 1, offset, value)


def rating(event_id: str, score: int) -> bytes:
    return orjson.dumps(
        {
            "event_id": event_id,
            "ts": "2026-11-21T11:00:00Z",
            "store_id": "S1",
            "channel": "store",
            "score": score,
        }
    )


def test_satisfaction_batch_splits_rows_dead_letters_and_duplicates():
    messages = [
        msg(rating("a", 5), 10),
        msg(b"nope", 11),
        msg(rating("a", 5), 12),
        msg(rating("b", 2), 13),
    ]
    outcome = satisfaction_batch(messages, Limits(), NOW)
    rows = [dict(zip(SATISFACTION_EVENTS.columns, r, strict=True)) for r in outcome.rows]
    assert [(r["event_id"], r["score"], r["source_offset"]) for r in rows] == [
        ("a", 5, 10),
        ("b", 2, 13),
    ]
    assert outcome.duplicates == 1
    assert [(d.offset, d.source_topic) for d in outcome.dead_letters] == [
        (11, "satisfaction-events")
    ]
    assert "not JSON" in outcome.dead_letters[0].reason


def test_accepted_complaints_become_rows_with_their_predictions():
    raw = [
        orjson.dumps(
            {
                "complaint_id": f"c{i % 3}",  # c0 twice: one copy is classified
                "ts": "2026-11-21T11:00:00Z",
                "store_id": "S1",
                "channel": "app",
                "text": f"服务员态度差{i}",
            }
        )
        for i in range(4)
    ] + [b"{not json"]
    accepted, outcome = accept_complaints(
        [msg(r, i, "complaints") for i, r in enumerate(raw)], Limits(), NOW
    )
    assert [c.complaint_id for _, c in accepted] == ["c0", "c1", "c2"]
    assert outcome.duplicates == 1 and [d.offset for d in outcome.dead_letters] == [4]
    predictions = [
        Prediction("gap3_delivery", 0.9, "assurance", 0.8, "v-test", (f"态度{i}",))
        for i in range(3)
    ]
    rows = [
        dict(zip(COMPLAINTS.columns, r, strict=True)) for r in complaint_rows(accepted, predictions)
    ]
    assert [(r["complaint_id"], r["terms"], r["source_offset"]) for r in rows] == [
        ("c0", ["态度0"], 0),
        ("c1", ["态度1"], 1),
        ("c2", ["态度2"], 2),
    ]
    assert (rows[0]["gap"], rows[0]["dimension"], rows[0]["model_version"]) == (
        "gap3_delivery",
        "assurance",
        "v-test",
    )
    with pytest.raises(ValueError):  # a prediction short: refused, not silently misaligned
        complaint_rows(accepted, predictions[:2])


def test_foreign_records_on_the_dead_letter_topic_are_still_filed():
    outcome = dead_letter_batch([msg(b"not a dead letter", 5, "dead-letters")], NOW)
    row = dict(zip(DEAD_LETTERS.columns, outcome.rows[0], strict=True))
    assert row["source_topic"] == "dead-letters" and row["offset"] == 5
    assert "not a dead letter" in row["reason"]


def test_list_sink_writes_only_on_flush_and_keeps_batches():
    sink = ListSink()
    sink.add((1,))
    sink.add((2,))
    assert sink.rows == [] and len(sink) == 2
    sink.flush()
    sink.flush()  # nothing new: no empty batch
    assert sink.batches == [[(1,), (2,)]] and len(sink) == 0
