"""Hypothesis strategies: messages that are valid, or invalid in one known way, by construction.

Each draw is (topic, raw bytes, defect); defect is None for a valid message. Expected counts
come from these labels, never from the decoder under test.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import orjson
from hypothesis import strategies as st

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
    return event


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
    return item


def _mutations(kind: str) -> list[tuple[str, st.SearchStrategy]]:
    """(defect name, strategy of a function turning a valid dict into invalid bytes)."""
    required = (
        ("event_id", "ts", "store_id", "channel", "score")
        if kind == "event"
        else ("complaint_id", "ts", "store_id", "channel", "text")
    )

    def dumps(d: dict) -> bytes:
        return orjson.dumps(d)

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
            "extra",
            st.sampled_from(["colour", "Score", "eventId", "x"]).map(
                lambda f: lambda d: dumps({**d, f: 1})
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
            setting("ts", st.one_of(st.booleans(), st.floats(), st.lists(st.integers(0, 9)))),
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
        return isinstance(orjson.loads(raw), dict)
    except orjson.JSONDecodeError:
        return False


garbage = st.one_of(
    st.binary(max_size=64).filter(lambda b: not _is_json_object(b)).map(lambda b: ("garbage", b)),
    st.sampled_from([b"[]", b"null", b"42", b'"text"', b"", b"{}"]).map(
        lambda b: ("not_object", b)
    ),
)


@st.composite
def messages(draw: st.DrawFn) -> tuple[str, bytes, str | None]:
    topic = draw(st.sampled_from(["satisfaction-events", "complaints"]))
    kind = "event" if topic == "satisfaction-events" else "complaint"
    valid = draw(events() if kind == "event" else complaints())
    choice = draw(st.integers(0, 9))
    if choice < 5:
        return topic, orjson.dumps(valid), None
    if choice == 5:
        defect, raw = draw(garbage)
        return topic, raw, defect
    defect, mutate = draw(
        st.sampled_from(_mutations(kind)).flatmap(
            lambda pair: pair[1].map(lambda fn: (pair[0], fn))
        )
    )
    return topic, mutate(valid), defect
