from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from pipeline.contracts import (
    Complaint,
    DeadLetter,
    Limits,
    Rejection,
    SatisfactionEvent,
    decode,
    parse_ts,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
LIMITS = Limits(max_text_chars=50, max_future=timedelta(minutes=10), max_age=timedelta(days=30))


def event(**changes: object) -> bytes:
    base = {
        "event_id": "e-1",
        "ts": "2026-11-21T19:30:00+08:00",
        "store_id": "S001",
        "channel": "app",
        "agent_id": "A7",
        "score": 4,
    }
    base.update(changes)
    return orjson.dumps({k: v for k, v in base.items() if v is not ...})


def complaint(**changes: object) -> bytes:
    base = {
        "complaint_id": "c-1",
        "ts": 1795262400000,
        "store_id": "S001",
        "channel": "hotline",
        "text": "说好24小时上门，三天了没人来",
    }
    base.update(changes)
    return orjson.dumps({k: v for k, v in base.items() if v is not ...})


def test_valid_event_is_accepted_with_utc_time():
    result = decode(event(), SatisfactionEvent, LIMITS, NOW)
    assert isinstance(result, SatisfactionEvent)
    assert result.ts == datetime(2026, 11, 21, 11, 30, tzinfo=UTC)
    assert result.score == 4 and result.agent_id == "A7"


def test_epoch_milliseconds_are_milliseconds():
    assert parse_ts(1795262400000) == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_servqual_scores_are_accepted_per_dimension():
    raw = event(expectation={"reliability": 7, "empathy": 5}, perception={"reliability": 4})
    result = decode(raw, SatisfactionEvent, LIMITS, NOW)
    assert isinstance(result, SatisfactionEvent)
    assert result.expectation == {"reliability": 7, "empathy": 5}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"\xff\xfe{}", "not valid UTF-8"),
        (b"{oops", "not JSON"),
        (b"[1, 2]", "expected a JSON object, got an array"),
        (event(score=6), "score: Input should be less than or equal to 5"),
        (event(score=0), "score: Input should be greater than or equal to 1"),
        (event(score="4"), "score: Input should be a valid integer"),
        (event(score=4.5), "score: Input should be a valid integer"),
        (event(score=True), "score: Input should be a valid integer"),
        (event(store_id=...), "store_id: required field is missing"),
        (event(schema_version="2"), "schema_version: Input should be a valid integer"),
        (event(schema_version=0), "schema_version: Input should be greater than or equal to 1"),
        (event(ts="2026-11-21T19:30:00"), "has no UTC offset"),
        (event(ts="yesterday"), "is not ISO-8601"),
        (event(ts="2026-11-21T13:00:00+00:00"), "in the future"),
        (event(ts="2025-01-01T00:00:00+00:00"), "days in the past"),
        (event(channel="Mobile App"), "channel: String should match pattern"),
        (event(expectation={"speed": 5}), "expectation: unknown SERVQUAL dimension 'speed'"),
        (
            event(perception={"empathy": 8}),
            "perception.empathy: Input should be less than or equal to 7",
        ),
        (complaint(text="   "), "text: String should have at least 1 character"),
        (complaint(text="太" * 51), "text has 51 characters, more than the limit of 50"),
    ],
)
def test_bad_input_is_rejected_with_a_reason(raw: bytes, reason: str):
    contract = Complaint if b"complaint_id" in raw else SatisfactionEvent
    result = decode(raw, contract, LIMITS, NOW)
    assert isinstance(result, Rejection)
    assert reason in result.reason


def test_several_problems_are_all_named():
    result = decode(event(score=9, store_id=...), SatisfactionEvent, LIMITS, NOW)
    assert isinstance(result, Rejection)
    assert "score" in result.reason and "store_id" in result.reason


def test_dead_letter_keeps_non_utf8_values_losslessly():
    raw = b"\xff\x00binary"
    letter = DeadLetter.of(
        raw, topic="complaints", partition=2, offset=17, reason="bad", received_at=NOW
    )
    assert letter.value_encoding == "base64"
    again = DeadLetter.from_json(letter.to_json())
    assert again.original() == raw and again.partition == 2 and again.offset == 17


def test_dead_letter_keeps_text_values_readable():
    letter = DeadLetter.of(
        "{差评".encode(), topic="complaints", partition=0, offset=1, reason="bad", received_at=NOW
    )
    assert letter.value == "{差评" and letter.value_encoding == "utf-8"
