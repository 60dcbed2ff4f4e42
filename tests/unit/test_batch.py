from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import orjson
import pytest

from pipeline.agents.batch import (
    Message,
    Outcome,
    accept_complaints,
    complaint_rows,
    complaint_update_batch,
    dead_letter_batch,
    satisfaction_batch,
)
from pipeline.agents.stats import OTHER_NAMES, TopicStats
from pipeline.classifier import Prediction
from pipeline.contracts import Limits
from pipeline.sinks import ListSink
from pipeline.warehouse.tables import (
    COMPLAINT_UPDATES,
    COMPLAINTS,
    DEAD_LETTERS,
    SATISFACTION_EVENTS,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def msg(value: bytes | None, offset: int, topic: str = "satisfaction-events") -> Message:
    return Message(topic, 1, offset, value)


def rating(event_id: str, score: int, **more: object) -> bytes:
    return orjson.dumps(
        {
            "event_id": event_id,
            "ts": "2026-11-21T11:00:00Z",
            "store_id": "S1",
            "channel": "store",
            "score": score,
            **more,
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
    rows = [dict(zip(SATISFACTION_EVENTS.row_columns, r, strict=True)) for r in outcome.rows]
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
        dict(zip(COMPLAINTS.row_columns, r, strict=True))
        for r in complaint_rows(accepted, predictions, Limits())
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
        complaint_rows(accepted, predictions[:2], Limits())


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


def test_a_batch_keeps_and_counts_unknown_fields_and_newer_versions():
    messages = [
        msg(rating("a", 5, tier="gold"), 1),
        msg(rating("b", 4, tier="silver", app="5.2", schema_version=2), 2),
        msg(rating("b", 4, tier="silver", app="5.2", schema_version=2), 3),  # a duplicate
        msg(rating("c", 9, tier="gold"), 4),  # a bad score beside an unknown field
        msg(rating("d", 3), 5),
    ]
    outcome = satisfaction_batch(messages, Limits(), NOW)
    rows = [dict(zip(SATISFACTION_EVENTS.row_columns, r, strict=True)) for r in outcome.rows]
    assert [(r["event_id"], r["schema_version"], orjson.loads(r["extra"])) for r in rows] == [
        ("a", 1, {"tier": "gold"}),
        ("b", 2, {"tier": "silver", "app": "5.2"}),
        ("d", 1, {}),
    ]
    assert [d.offset for d in outcome.dead_letters] == [4] and outcome.duplicates == 1
    # Every message that carried unknown fields is counted, the refused one and the copy too.
    assert outcome.unknown_messages == 4
    assert outcome.unknown_fields == Counter({"tier": 4, "app": 2})
    assert outcome.newer_schema == Counter({2: 2})


def test_ignore_stores_no_unknown_field_but_counts_them():
    limits = Limits(unknown_fields="ignore")
    outcome = satisfaction_batch([msg(rating("a", 5, tier="gold"), 1)], limits, NOW)
    row = dict(zip(SATISFACTION_EVENTS.row_columns, outcome.rows[0], strict=True))
    assert row["extra"] == "{}" and outcome.unknown_fields == Counter({"tier": 1})


def test_reject_turns_unknown_fields_into_dead_letters_and_counts_them():
    limits = Limits(unknown_fields="reject")
    outcome = satisfaction_batch([msg(rating("a", 5, tier="gold"), 1)], limits, NOW)
    assert outcome.rows == [] and outcome.unknown_messages == 1
    assert outcome.dead_letters[0].reason == "tier: unknown field"


def test_complaints_and_updates_store_version_and_extra_by_policy():
    complaint = orjson.dumps(
        {
            "complaint_id": "c1",
            "ts": "2026-11-21T11:00:00Z",
            "store_id": "S1",
            "channel": "app",
            "text": "等了三天",
            "sentiment_hint": -1,
            "schema_version": 2,
        }
    )
    for policy, kept in (("keep", {"sentiment_hint": -1}), ("ignore", {})):
        limits = Limits(unknown_fields=policy)  # type: ignore[arg-type]
        accepted, outcome = accept_complaints([msg(complaint, 0, "complaints")], limits, NOW)
        prediction = Prediction("gap3_delivery", 0.9, "assurance", 0.8, "v", ())
        row = dict(
            zip(
                COMPLAINTS.row_columns,
                complaint_rows(accepted, [prediction], limits)[0],
                strict=True,
            )
        )
        assert (row["schema_version"], orjson.loads(row["extra"])) == (2, kept)
        assert outcome.unknown_fields == Counter({"sentiment_hint": 1})
        assert outcome.newer_schema == Counter({2: 1})
    update = orjson.dumps(
        {"complaint_id": "c1", "ts": "2026-11-21T11:05:00Z", "status": "acknowledged", "by": 1}
    )
    outcome = complaint_update_batch([msg(update, 0, "complaint-updates")], Limits(), NOW)
    row = dict(zip(COMPLAINT_UPDATES.row_columns, outcome.rows[0], strict=True))
    assert (row["schema_version"], orjson.loads(row["extra"])) == (1, {"by": 1})


def test_outcomes_merge_every_count():
    """A batch redone message by message (loop._isolating_failures) keeps every count."""
    ok, bad = msg(rating("a", 5, tier="gold", schema_version=3), 1), msg(b"{", 2)
    merged = Outcome()
    for single in (satisfaction_batch([m], Limits(), NOW) for m in (ok, bad)):
        merged.merge(single)
    whole = satisfaction_batch([ok, bad], Limits(), NOW)
    assert (merged.rows, merged.duplicates) == (whole.rows, whole.duplicates)
    assert [d.offset for d in merged.dead_letters] == [d.offset for d in whole.dead_letters]
    assert (merged.unknown_messages, merged.unknown_fields, merged.newer_schema) == (
        1,
        Counter({"tier": 1}),
        Counter({3: 1}),
    )


def test_stats_show_unknown_fields_and_tell_apart_a_bounded_number_of_names():
    stats = TopicStats()
    stats.count_evolution(2, Counter({"tier": 2}), Counter({2: 1}))
    stats.count_evolution(60, Counter({f"f{i}": 1 for i in range(60)}), Counter())
    shown = stats.snapshot()
    assert shown["unknown_fields"] == 62 and shown["newer_schema"] == {"2": 1}
    names = shown["unknown_field_names"]
    assert names["tier"] == 2 and names[OTHER_NAMES] == 11 and len(names) == 51
    assert sum(names.values()) == 62
