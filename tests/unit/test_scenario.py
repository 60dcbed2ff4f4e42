from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import orjson

from pipeline.contracts import (
    Complaint,
    ComplaintUpdate,
    Limits,
    Rejection,
    SatisfactionEvent,
    decode,
)
from pipeline.simulate import Scenario

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
LATER = T0 + timedelta(days=60)
# Judged as of 60 days on, so every simulated moment is in the plausible window.
LIMITS = Limits(max_age=timedelta(days=400))


def run(scenario: Scenario, n: int) -> list:
    out = []
    for i in range(n):
        out += list(scenario.records(T0 + timedelta(seconds=i)))
    return out


def valid(record, contract):
    result = decode(orjson.dumps(record.value), contract, LIMITS, LATER)
    assert not isinstance(result, Rejection), result
    return result


def test_recovery_steps_wait_for_their_event_time_and_follow_a_sensible_order():
    scenario = Scenario(seed=3, stores=4)
    complaints = [r for r in run(scenario, 3000) if r.topic == "complaints"]
    assert complaints and scenario.due(T0) == []
    steps = scenario.due(T0 + timedelta(days=30))
    assert steps and scenario.due(LATER) == []
    by_complaint: dict[str, list] = {}
    for step in steps:
        update = valid(step, ComplaintUpdate)
        by_complaint.setdefault(update.complaint_id, []).append(update)
    assert set(by_complaint) <= {c.value["complaint_id"] for c in complaints}
    for updates in by_complaint.values():
        statuses = [u.status for u in sorted(updates, key=lambda u: u.ts)]
        assert statuses in (
            ["acknowledged"],
            ["acknowledged", "resolved"],
            ["acknowledged", "resolved", "reopened", "resolved"],
        )
    counts = Counter(len(u) for u in by_complaint.values())
    assert counts[2] > counts[1] and counts[4] > 0  # most resolved, a few reopened


def test_every_simulated_record_is_valid_and_links_customers():
    records = run(Scenario(seed=5, stores=3), 2000)
    for record in records:
        valid(record, SatisfactionEvent if record.topic == "satisfaction-events" else Complaint)
    assert len([r for r in records if "customer_id" in r.value]) > len(records) / 3
