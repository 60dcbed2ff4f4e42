"""Properties of decoding: any bytes give a model or a reason, never an exception."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import from_json

from pipeline.agents.batch import Message, satisfaction_batch
from pipeline.contracts import Complaint, Limits, Rejection, SatisfactionEvent, decode
from pipeline.contracts.decode import _explained
from pipeline.contracts.evolution import POLICIES, extra_column
from tests.strategies import TEXT_LIMIT, messages

LIMITS = Limits(
    max_text_chars=TEXT_LIMIT, max_future=timedelta(minutes=10), max_age=timedelta(days=400)
)
policies = st.sampled_from(POLICIES).map(
    lambda policy: Limits(
        max_text_chars=TEXT_LIMIT,
        max_future=LIMITS.max_future,
        max_age=LIMITS.max_age,
        unknown_fields=policy,
    )
)


def contract_of(topic: str) -> type[SatisfactionEvent] | type[Complaint]:
    return SatisfactionEvent if topic == "satisfaction-events" else Complaint


@settings(max_examples=1500, deadline=None)
@given(messages(), policies)
def test_each_message_is_accepted_exactly_when_it_was_built_valid(message, limits):
    contract = contract_of(message.topic)
    result = decode(message.raw, contract, limits, datetime.now(UTC))
    refused_for_unknown = limits.unknown_fields == "reject" and bool(message.unknown)
    if message.defect is None and not refused_for_unknown:
        assert isinstance(result, contract)
        # Every unknown field with its value as sent (repr: 1 is not 1.0, nor -0.0 0.0).
        assert repr(result.model_extra) == repr(message.extra)
        assert result.schema_version == message.schema_version
        kept = from_json(extra_column(result, limits.unknown_fields))
        assert repr(kept) == repr(message.extra if limits.unknown_fields == "keep" else {})
    else:
        assert isinstance(result, Rejection) and result.reason.strip(), message.defect
        assert result.unknown_fields == message.unknown
        if refused_for_unknown and message.defect is None:
            assert result.reason.startswith(f"{message.unknown[0]}: unknown field")


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(raw):
    for contract in (SatisfactionEvent, Complaint):
        assert isinstance(decode(raw, contract, LIMITS, datetime.now(UTC)), (contract, Rejection))


@settings(max_examples=150, deadline=None)
@given(st.lists(messages(), max_size=40))
def test_a_batch_accounts_for_every_message(batch):
    msgs = [
        Message(m.topic, 0, i, m.raw)
        for i, m in enumerate(batch)
        if m.topic == "satisfaction-events"
    ]
    outcome = satisfaction_batch(msgs, LIMITS, datetime.now(UTC))
    assert len(outcome.rows) + len(outcome.dead_letters) + outcome.duplicates == len(msgs)
    carried = [m for m in batch if m.topic == "satisfaction-events" and m.unknown]
    assert outcome.unknown_messages == len(carried)
    newer = [m for m in batch if m.topic == "satisfaction-events" and m.defect is None]
    assert outcome.newer_schema.total() == sum(m.schema_version > 1 for m in newer)


@settings(max_examples=1500, deadline=None)
@given(messages(), policies)
def test_the_fast_path_decides_as_the_explaining_path_does(message, limits):
    # decode() tries pydantic's one-pass JSON validation first; it must never accept what the
    # explaining path refuses, nor build a different model (unknown fields included), nor
    # refuse with another reason or other unknown fields, whatever the policy.
    contract = contract_of(message.topic)
    now = datetime.now(UTC)
    fast = decode(message.raw, contract, limits, now)
    explained = _explained(message.raw, contract, limits, now)
    assert type(fast) is type(explained)
    assert fast == explained
    if isinstance(fast, contract):  # == holds for 2**64 + 1 and its float: compare the JSON
        assert extra_column(fast, "keep") == extra_column(explained, "keep")
