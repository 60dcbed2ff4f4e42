"""Contracts that evolve: unknown fields kept, ignored or rejected as configured, counted;
schema_version stored, and a newer one accepted; the fields we know stay strict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from pydantic_core import from_json

from pipeline.config import Settings
from pipeline.contracts import (
    ComplaintUpdate,
    Limits,
    Rejection,
    SatisfactionEvent,
    decode,
)
from pipeline.contracts.evolution import POLICIES, extra_column, newer_version
from pipeline.warehouse.tables import (
    COMPLAINT_UPDATES,
    COMPLAINTS,
    EVOLUTION,
    SATISFACTION_EVENTS,
    complaint_update_row,
    satisfaction_row,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def limits(policy: str = "keep") -> Limits:
    return Limits(max_age=timedelta(days=30), unknown_fields=policy)  # type: ignore[arg-type]


def event(**changes: object) -> bytes:
    base = {"event_id": "e-1", "ts": "2026-11-21T11:30:00Z", "store_id": "S1", "channel": "app"}
    return orjson.dumps({**base, "score": 4, **changes})


def row_of(model: SatisfactionEvent, policy: str = "keep") -> dict:
    row = satisfaction_row(model, 0, 7, policy)  # type: ignore[arg-type]
    return dict(zip(SATISFACTION_EVENTS.row_columns, row, strict=True))


def test_unknown_fields_are_kept_by_default_in_the_extra_column():
    assert Limits().unknown_fields == "keep" and Settings().messages.unknown_fields == "keep"
    result = decode(
        event(loyalty_tier="gold", app={"v": "5.2.1"}), SatisfactionEvent, limits(), NOW
    )
    assert isinstance(result, SatisfactionEvent) and result.score == 4
    row = row_of(result)
    assert orjson.loads(row["extra"]) == {"loyalty_tier": "gold", "app": {"v": "5.2.1"}}
    assert row["schema_version"] == 1 and row["event_id"] == "e-1"


def test_ignore_accepts_the_message_and_stores_none_of_them():
    result = decode(event(loyalty_tier="gold"), SatisfactionEvent, limits("ignore"), NOW)
    assert isinstance(result, SatisfactionEvent)
    assert row_of(result, "ignore")["extra"] == "{}"


def test_reject_dead_letters_the_message_naming_each_unknown_field():
    result = decode(event(colour="red", size=2), SatisfactionEvent, limits("reject"), NOW)
    assert result == Rejection("colour: unknown field; size: unknown field", ("colour", "size"))


def test_a_message_without_unknown_fields_stores_an_empty_object():
    result = decode(event(), SatisfactionEvent, limits(), NOW)
    assert isinstance(result, SatisfactionEvent) and row_of(result)["extra"] == "{}"


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"score": "4"}, "score: Input should be a valid integer"),
        ({"score": 9}, "score: Input should be less than or equal to 5"),
        ({"ts": "2026-11-21T11:30:00"}, "has no UTC offset"),
        ({"ts": "2026-12-21T11:30:00Z"}, "in the future"),
        ({"schema_version": 2.0}, "schema_version: Input should be a valid integer"),
        ({"schema_version": 65536}, "schema_version: Input should be less than or equal to 65535"),
    ],
)
def test_known_fields_stay_strict_beside_unknown_ones(policy, changes, reason):
    result = decode(event(colour="red", **changes), SatisfactionEvent, limits(policy), NOW)
    assert isinstance(result, Rejection) and reason in result.reason
    assert result.unknown_fields == ("colour",)  # counted, whatever became of the message


def test_schema_version_is_optional_and_stored():
    absent = decode(event(), SatisfactionEvent, limits(), NOW)
    second = decode(event(schema_version=1), SatisfactionEvent, limits(), NOW)
    assert isinstance(absent, SatisfactionEvent) and isinstance(second, SatisfactionEvent)
    assert absent.schema_version == 1 and newer_version(absent) is None
    assert absent == second


def test_a_newer_schema_version_is_accepted_with_its_new_fields_kept():
    """An upgraded producer never stops an older worker: its message is accepted, what this
    worker does not know yet is kept, and the version is stored for later backfills."""
    raw = event(schema_version=2, score_reason="slow", channel_detail={"kiosk": 3})
    result = decode(raw, SatisfactionEvent, limits(), NOW)
    assert isinstance(result, SatisfactionEvent) and newer_version(result) == 2
    row = row_of(result)
    assert row["schema_version"] == 2
    assert orjson.loads(row["extra"]) == {"score_reason": "slow", "channel_detail": {"kiosk": 3}}


def test_a_newer_schema_version_under_reject_says_what_to_do():
    result = decode(
        event(schema_version=3, score_reason="slow"), SatisfactionEvent, limits("reject"), NOW
    )
    assert isinstance(result, Rejection)
    assert result.reason == (
        "score_reason: unknown field (schema_version 3 is newer than the 1 this worker knows: "
        "upgrade the worker, then replay these dead letters)"
    )


def test_kept_values_are_stored_by_value_and_type():
    sent = (
        b'{"event_id":"e-1","ts":"2026-11-21T11:30:00Z","store_id":"S1","channel":"app",'
        b'"score":4,"big":123456789012345678901234567890,"one":1.0,"neg_zero":-0.0,'
        b'"zh":"\xe6\x85\xa2","list":[null,true,{"a":[]}]}'
    )
    result = decode(sent, SatisfactionEvent, limits(), NOW)
    assert isinstance(result, SatisfactionEvent)
    kept = from_json(row_of(result)["extra"])
    assert repr(kept) == repr(
        {
            "big": 123456789012345678901234567890,
            "one": 1.0,
            "neg_zero": -0.0,
            "zh": "慢",
            "list": [None, True, {"a": []}],
        }
    )


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (b"1e400", "x: holds a number JSON cannot store"),
        (b"[1,-1e999]", "x: holds a number JSON cannot store"),
        (b"NaN", "value is not JSON"),
        (b"Infinity", "value is not JSON"),
    ],
)
def test_numbers_json_cannot_hold_are_refused(number, reason):
    raw = event()[:-1] + b',"x":' + number + b"}"
    result = decode(raw, SatisfactionEvent, limits(), NOW)
    assert isinstance(result, Rejection) and reason in result.reason


def test_names_of_pydantic_attributes_and_of_the_key_are_just_fields():
    raw = event(key="not-the-key", model_config=1, __class__="x", model_extra=[])
    result = decode(raw, SatisfactionEvent, limits(), NOW)
    assert isinstance(result, SatisfactionEvent)
    assert result.key == "e-1" and SATISFACTION_EVENTS.key(satisfaction_row(result, 0, 0)) == "e-1"
    assert list(orjson.loads(row_of(result)["extra"])) == [
        "key",
        "model_config",
        "__class__",
        "model_extra",
    ]


def test_complaint_updates_evolve_too_and_keep_their_key():
    raw = orjson.dumps(
        {
            "complaint_id": "c-1",
            "ts": "2026-11-21T11:30:00Z",
            "status": "resolved",
            "schema_version": 2,
            "channel": "hotline",
        }
    )
    update = decode(raw, ComplaintUpdate, limits(), NOW)
    assert isinstance(update, ComplaintUpdate)
    row = complaint_update_row(update, 1, 5)
    named = dict(zip(COMPLAINT_UPDATES.row_columns, row, strict=True))
    assert (named["schema_version"], orjson.loads(named["extra"])) == (2, {"channel": "hotline"})
    # The key ingested_keys holds for the row is the update's own, as before.
    assert COMPLAINT_UPDATES.key(row) == update.key == "c-1|resolved|1795260600000"


def test_evolution_columns_come_last_in_the_rows_agents_write():
    """A block the ledger kept from before migration 0009 has shorter rows: ClickHouse can
    complete them only if the new columns are the last ones."""
    for table in (SATISFACTION_EVENTS, COMPLAINTS, COMPLAINT_UPDATES):
        assert table.row_columns[-len(EVOLUTION) :] == EVOLUTION
        assert table.row_columns[: len(table.columns)] == table.columns


def test_extra_column_follows_the_policy():
    result = decode(event(tier="gold"), SatisfactionEvent, limits(), NOW)
    assert isinstance(result, SatisfactionEvent)
    assert extra_column(result, "keep") == '{"tier":"gold"}'
    assert extra_column(result, "ignore") == "{}"
