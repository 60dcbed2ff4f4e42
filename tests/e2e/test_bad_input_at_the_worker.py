"""10,000 random and malformed messages at a real worker: no crash, exact dead-letter count."""

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

    @settings(
        max_examples=200,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(messages(), min_size=50, max_size=50))
    def throw(batch):
        for topic, raw, defect in batch:
            produce(topic, raw)
            sent[(topic, defect is None)] += 1
            defects[defect] += 1

    throw()
    produce.flush()
    total = sum(sent.values())
    invalid = sum(n for (_, ok), n in sent.items() if not ok)
    assert total >= 10_000 and invalid >= 4_000
    assert len(defects) >= 20, defects  # every kind of defect was thrown, many times

    with worker_process(settings_.with_(kafka_bootstrap=broker.bootstrap), tmp_path) as worker:
        worker.wait_until(
            lambda t: (
                t["satisfaction-events"]["received"] + t["complaints"]["received"] == total
                and t["dead-letters"]["received"] == invalid
            ),
            timeout=180,
        )
        assert worker.stop() == 0
        assert "Traceback" not in worker.log()

    client = connect(settings_.clickhouse_dsn)
    try:
        q = lambda sql: client.query(sql).result_rows[0][0]  # noqa: E731
        assert q("SELECT count() FROM dead_letters") == invalid
        assert q("SELECT countIf(reason = '') FROM dead_letters") == 0
        assert q("SELECT count() FROM satisfaction_events") == sent[("satisfaction-events", True)]
        assert q("SELECT count() FROM complaints") == sent[("complaints", True)]
    finally:
        client.close()
