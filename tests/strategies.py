"""Hypothesis strategies: messages that are valid, or invalid in one known way, by construction.

Each draw is a Thrown: topic, raw bytes, defect (None for a valid message) and the unknown
fields the decoder can see (those of a message that parses as a JSON object). Valid messages
may carry unknown fields and any schema_version from 1 up. Expected counts come from these
labels, never from the decoder under test.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import NamedTuple

from hypothesis import strategies as st
from pydantic_core import from_json

DIMENSIONS = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")
_ids = itertools.count()
TEXT_LIMIT = 200  # the tests run workers with GAPWATCH_MAX_TEXT_CHARS=200

ids = st.builds(lambda: f"h-{next(_ids)}")
names = st.text(
    st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-_门店北京上海"), min_size=1, max_size=12
)
channels = st.from_regex(r"[a-z][a-z0-9_-]{0,15}", fullmatch=True)
offsets = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])


@st.composite
def timestamps(draw: st.DrawFn) -> str | int:
    moment = datetime.now(UTC) - timedelta(seconds=draw(st.integers(60, 200 * 86400)))
    if draw(st.booleans()):
        return int(moment.timestamp() * 1000)
    return moment.astimezone(draw(offsets)).isoformat()


servqual = st.dictionaries(st.sampled_from(DIMENSIONS), st.integers(1, 7), max_size=5)

# The fields each contract knows, written out here rather than read from the contracts.
KNOWN = {
    "event": {
        "event_id",
        "ts",
        "store_id",
        "channel",
        "agent_id",
        "customer_id",
        "score",
        "expectation",
        "perception",
        "schema_version",
    },
    "complaint": {
        "complaint_id",
        "ts",
        "store_id",
        "channel",
        "text",
        "customer_id",
        "order_id",
        "agent_id",
        "schema_version",
    },
}
_utf8 = st.characters(codec="utf-8")
# What a newer producer adds: plain names, names that look like known ones or like pydantic's
# own attributes, empty and non-ASCII names.
unknown_names = st.one_of(
    st.sampled_from(
        ["loyalty_tier", "colour", "Score", "eventId", "key", "model_config", "__class__", ""]
    ),
    st.text(_utf8, max_size=12),
)
# Any JSON value, numbers included that orjson cannot write (integers past 64 bits).
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.sampled_from([2**64 + 1, -(2**63) - 1, 12345678901234567890123]),  # not a double
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(_utf8, max_size=20),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(_utf8, max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def unknown_fields(kind: str) -> st.SearchStrategy[dict]:
    return st.dictionaries(
        # x_number is the field the number defects below add.
        unknown_names.filter(lambda name: name not in KNOWN[kind] and name != "x_number"),
        json_values,
        max_size=3,
    )


def dumps(value: object) -> bytes:
    """JSON as a producer writes it (the standard library: every digit of a large integer)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


@st.composite
def evolution(draw: st.DrawFn, kind: str) -> dict:
    """What a producer ahead of the worker adds: a schema_version and unknown fields."""
    item: dict = {}
    if draw(st.booleans()):
        item["schema_version"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        item.update(draw(unknown_fields(kind)))
    return item


@st.composite
def events(draw: st.DrawFn) -> dict:
    event = {
        "event_id": draw(ids),
        "ts": draw(timestamps()),
        "store_id": draw(names),
        "channel": draw(channels),
        "score": draw(st.integers(1, 5)),
    }
    if draw(st.booleans()):
        event["agent_id"] = draw(names)
    if draw(st.booleans()):
        event["expectation"] = draw(servqual)
        event["perception"] = draw(servqual)
    return {**event, **draw(evolution("event"))}


complaint_texts = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=TEXT_LIMIT
).filter(lambda t: t.strip() != "")


@st.composite
def complaints(draw: st.DrawFn) -> dict:
    item = {
        "complaint_id": draw(ids),
        "ts": draw(timestamps()),
        "store_id": draw(names),
        "channel": draw(channels),
        "text": draw(complaint_texts),
    }
    if draw(st.booleans()):
        item["order_id"] = draw(names)
    return {**item, **draw(evolution("complaint"))}


def _mutations(kind: str) -> list[tuple[str, st.SearchStrategy]]:
    """(defect name, strategy of a function turning a valid dict into invalid bytes)."""
    required = (
        ("event_id", "ts", "store_id", "channel", "score")
        if kind == "event"
        else ("complaint_id", "ts", "store_id", "channel", "text")
    )

    def setting(field: str, values: st.SearchStrategy) -> st.SearchStrategy:
        return values.map(lambda v: lambda d: dumps({**d, field: v}))

    now = datetime.now(UTC)
    common = [
        (
            "missing",
            st.sampled_from(required).map(
                lambda f: lambda d: dumps({k: v for k, v in d.items() if k != f})
            ),
        ),
        (
            "schema_version",
            setting(
                "schema_version",
                st.one_of(
                    st.integers(max_value=0),
                    st.integers(min_value=65536),
                    st.sampled_from(["2", 2.0, True, None, [2]]),
                ),
            ),
        ),
        # JSON has no NaN or Infinity; a number past a double's range (1e400) cannot be kept.
        (
            "number_not_json",
            st.sampled_from([b"NaN", b"Infinity", b"-Infinity"]).map(
                lambda n: lambda d: dumps(d)[:-1] + b',"x_number":' + n + b"}"
            ),
        ),
        (
            "number_overflow",
            st.sampled_from([b"1e400", b"-2E999", b'[1,{"deep":1e309}]']).map(
                lambda n: lambda d: dumps(d)[:-1] + b',"x_number":' + n + b"}"
            ),
        ),
        (
            "ts_future",
            setting(
                "ts", st.integers(1, 300).map(lambda days: (now + timedelta(days=days)).isoformat())
            ),
        ),
        (
            "ts_past",
            setting(
                "ts",
                st.integers(500, 5000).map(
                    lambda days: int((now - timedelta(days=days)).timestamp() * 1000)
                ),
            ),
        ),
        ("ts_naive", setting("ts", st.just(now.replace(tzinfo=None).isoformat()))),
        (
            "ts_type",
            setting(
                "ts",
                st.one_of(
                    st.booleans(),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.lists(st.integers(0, 9)),
                ),
            ),
        ),
        (
            "channel",
            setting("channel", st.sampled_from(["", "Mobile App", "9app", "APP", "a" * 40])),
        ),
        ("id_blank", setting(required[0], st.sampled_from(["", "   ", None, 17]))),
        ("not_utf8", st.just(lambda d: dumps(d)[:-1] + b',"n":"\xff\xfe"}')),
        ("truncated", st.integers(1, 20).map(lambda n: lambda d: dumps(d)[:-n])),
    ]
    if kind == "event":
        return [
            *common,
            (
                "score_range",
                setting("score", st.one_of(st.integers(-(2**63), 0), st.integers(6, 2**63 - 1))),
            ),
            (
                "score_type",
                setting(
                    "score",
                    st.one_of(
                        st.booleans(), st.floats(1, 5), st.integers(1, 5).map(str), st.none()
                    ),
                ),
            ),
            (
                "dimension",
                setting(
                    "expectation",
                    st.dictionaries(
                        st.sampled_from(["speed", "price", "Empathy", ""]),
                        st.integers(1, 7),
                        min_size=1,
                    ),
                ),
            ),
            (
                "servqual_range",
                setting(
                    "perception",
                    st.dictionaries(
                        st.sampled_from(DIMENSIONS), st.sampled_from([0, 8, 100, -1]), min_size=1
                    ),
                ),
            ),
        ]
    return [
        *common,
        ("text_empty", setting("text", st.sampled_from(["", "   ", "\n\t"]))),
        (
            "text_oversize",
            setting("text", st.integers(TEXT_LIMIT + 1, TEXT_LIMIT * 3).map(lambda n: "太" * n)),
        ),
        (
            "text_type",
            setting("text", st.one_of(st.integers(-(2**63), 2**63 - 1), st.lists(st.text()))),
        ),
    ]


def _is_json_object(raw: bytes) -> bool:
    try:
        return isinstance(from_json(raw, allow_inf_nan=False), dict)
    except ValueError:
        return False


garbage = st.one_of(
    st.binary(max_size=64).filter(lambda b: not _is_json_object(b)).map(lambda b: ("garbage", b)),
    st.sampled_from([b"[]", b"null", b"42", b'"text"', b"", b"{}"]).map(
        lambda b: ("not_object", b)
    ),
)


class Thrown(NamedTuple):
    topic: str
    raw: bytes
    defect: str | None
    # The unknown fields of a message that parses as a JSON object, as the worker counts them.
    unknown: tuple[str, ...]
    # The unknown fields and their values as sent, and the schema_version (valid messages).
    extra: dict
    schema_version: int


# Defects that leave no JSON object to find unknown fields in.
_UNPARSED = {"garbage", "not_object", "not_utf8", "truncated", "number_not_json"}


@st.composite
def messages(draw: st.DrawFn) -> Thrown:
    topic = draw(st.sampled_from(["satisfaction-events", "complaints"]))
    kind = "event" if topic == "satisfaction-events" else "complaint"
    valid = draw(events() if kind == "event" else complaints())
    extra = {k: v for k, v in valid.items() if k not in KNOWN[kind]}
    version = valid.get("schema_version", 1)
    choice = draw(st.integers(0, 9))
    if choice < 5:
        return Thrown(topic, dumps(valid), None, tuple(extra), extra, version)
    if choice == 5:
        defect, raw = draw(garbage)
        return Thrown(topic, raw, defect, (), {}, 1)
    defect, mutate = draw(
        st.sampled_from(_mutations(kind)).flatmap(
            lambda pair: pair[1].map(lambda fn: (pair[0], fn))
        )
    )
    unknown = () if defect in _UNPARSED else tuple(extra)
    if defect == "number_overflow":
        unknown = (*unknown, "x_number")
    return Thrown(topic, mutate(valid), defect, unknown, extra, version)
