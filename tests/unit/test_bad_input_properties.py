"""Properties of decoding: any bytes give a model or a reason, never an exception."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.agents.batch import Message, satisfaction_batch
from pipeline.contracts import Complaint, Limits, Rejection, SatisfactionEvent, decode
from pipeline.contracts.decode import _explained
from tests.strategies import TEXT_LIMIT, messages

LIMITS = Limits(
    max_text_chars=TEXT_LIMIT, max_future=timedelta(minutes=10), max_age=timedelta(days=400)
)


@settings(max_examples=1500, deadline=None)
@given(messages())
def test_each_message_is_accepted_exactly_when_it_was_built_valid(message):
    topic, raw, defect = message
    contract = SatisfactionEvent if topic == "satisfaction-events" else Complaint
    result = decode(raw, contract, LIMITS, datetime.now(UTC))
    if defect is None:
        assert isinstance(result, contract)
    else:
        assert isinstance(result, Rejection) and result.reason.strip(), defect


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(raw):
    for contract in (SatisfactionEvent, Complaint):
        assert isinstance(decode(raw, contract, LIMITS, datetime.now(UTC)), (contract, Rejection))


@settings(max_examples=150, deadline=None)
@given(st.lists(messages(), max_size=40))
def test_a_batch_accounts_for_every_message(batch):
    msgs = [
        Message(t, 0, i, raw) for i, (t, raw, _) in enumerate(batch) if t == "satisfaction-events"
    ]
    outcome = satisfaction_batch(msgs, LIMITS, datetime.now(UTC))
    assert len(outcome.rows) + len(outcome.dead_letters) + outcome.duplicates == len(msgs)


@settings(max_examples=1500, deadline=None)
@given(messages())
def test_the_fast_path_decides_as_the_explaining_path_does(message):
    # decode() tries pydantic's own JSON parser first; it must never accept what the
    # orjson path (which gives the reasons) refuses, nor build a different model.
    topic, raw, _ = message
    contract = SatisfactionEvent if topic == "satisfaction-events" else Complaint
    now = datetime.now(UTC)
    fast, explained = decode(raw, contract, LIMITS, now), _explained(raw, contract, LIMITS, now)
    assert type(fast) is type(explained)
    if isinstance(explained, contract):
        assert fast == explained
