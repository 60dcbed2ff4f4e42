"""10,000 random and malformed messages at a real worker: no crash, exact dead-letter count;
unknown fields and newer schema versions of valid ones kept and counted, never dead letters."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pipeline.warehouse import connect
from tests.strategies import TEXT_LIMIT, messages

pytestmark = pytest.mark.e2e


@pytest.fixture
def settings_(settings):
    return settings.with_(max_text_chars=TEXT_LIMIT)


def test_ten_thousand_hostile_messages(settings_, broker, produce, tmp_path):
    from tests.e2e.conftest import worker_process

    sent: Counter = Counter()
    defects: Counter = Counter()
    carried: Counter = Counter()  # per topic: messages whose unknown fields the worker sees
    kept: Counter = Counter()  # per topic: valid messages stored with unknown fields
    newer: Counter = Counter()  # per topic and schema_version > 1: valid messages

    @settings(
        max_examples=200,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(messages(), min_size=50, max_size=50))
    def throw(batch):
        for m in batch:
            produce(m.topic, m.raw)
            sent[(m.topic, m.defect is None)] += 1
            defects[m.defect] += 1
            carried[m.topic] += bool(m.unknown)
            if m.defect is None:
                kept[m.topic] += bool(m.extra)
                if m.schema_version > 1:
                    newer[(m.topic, str(m.schema_version))] += 1

    throw()
    produce.flush()
    total = sum(sent.values())
    invalid = sum(n for (_, ok), n in sent.items() if not ok)
    assert total >= 10_000 and invalid >= 4_000
    assert len(defects) >= 20, defects  # every kind of defect was thrown, many times
    assert min(kept.values()) >= 500 and len(newer) == 4, (kept, newer)

    with worker_process(settings_.with_(kafka_bootstrap=broker.bootstrap), tmp_path) as worker:
        stats = worker.wait_until(
            lambda t: (
                t["satisfaction-events"]["received"] + t["complaints"]["received"] == total
                and t["dead-letters"]["received"] == invalid
            ),
            timeout=180,
        )
        topics = stats["worker"]["topics"]
        for topic in ("satisfaction-events", "complaints"):
            assert topics[topic]["unknown_fields"] == carried[topic]
            assert topics[topic]["newer_schema"] == {
                version: n for (t, version), n in sorted(newer.items()) if t == topic
            }
        assert worker.stop() == 0
        assert "Traceback" not in worker.log()

    client = connect(settings_.warehouse.dsn)
    try:
        q = lambda sql: client.query(sql).result_rows[0][0]  # noqa: E731
        assert q("SELECT count() FROM dead_letters") == invalid
        assert q("SELECT countIf(reason = '') FROM dead_letters") == 0
        assert q("SELECT countIf(reason LIKE '%unknown field%') FROM dead_letters") == 0
        assert q("SELECT count() FROM satisfaction_events") == sent[("satisfaction-events", True)]
        assert q("SELECT count() FROM complaints") == sent[("complaints", True)]
        for table, topic in (("satisfaction_events", "satisfaction-events"), ("complaints",) * 2):
            assert q(f"SELECT countIf(extra != '{{}}') FROM {table}") == kept[topic]
            assert q(f"SELECT countIf(NOT isValidJSON(extra)) FROM {table}") == 0
            assert q(f"SELECT countIf(schema_version > 1) FROM {table}") == sum(
                n for (t, _), n in newer.items() if t == topic
            )
    finally:
        client.close()
