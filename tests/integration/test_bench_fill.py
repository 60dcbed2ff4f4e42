"""The benchmark checks its pre-filled topic: the embedded broker drops data beyond 5 MiB per
partition without a word, and a worker waiting for dropped messages would wait for ever."""

import pytest

from pipeline.bench.traffic import fill

pytestmark = pytest.mark.integration


def test_a_fill_the_broker_holds_passes(broker):
    assert fill(broker.bootstrap, "bench-small", 2000, lambda i: b'{"i": %d}' % i) == 2000


def test_a_fill_beyond_what_the_broker_keeps_is_refused(broker):
    payload = b"x" * 200_000  # 150 of them: 30 MB over four partitions of 5 MiB
    with pytest.raises(RuntimeError, match=r"holds [\d,]+ of the 150 messages .* 5 MiB"):
        fill(broker.bootstrap, "bench-large", 150, lambda i: payload)
