"""Faust's commit of acknowledged offsets, with and without the guard for partitions the
group never committed (pipeline.kafka.faust_internals.CommitGuard), on Faust's own
consumer."""

from __future__ import annotations

import faust
import pytest
from faust.types import TP

from pipeline.kafka.faust_internals import CommitGuard

TP0 = TP("satisfaction-events", 0)


@pytest.fixture
def consumer(tmp_path):
    app = faust.App(
        "commit-guard-test",
        broker="kafka://127.0.0.1:9",  # never dialled
        store="memory://",
        datadir=str(tmp_path),
        web_enabled=False,
    )
    yield app, app.consumer
    # Faust built its consumer, whose thread (never started) owns a loop.
    app.consumer._thread.thread_loop.close()


def acked(consumer, offsets: list[int]) -> None:
    consumer._acked[TP0] = list(offsets)
    consumer._acked_index[TP0] = set(offsets)


def test_faust_alone_commits_past_a_hole_at_the_head_of_a_never_committed_partition(
    consumer,
):
    _, c = consumer
    acked(c, [500, 501, 502])  # 0–499 fetched, dropped, never acknowledged
    assert c._new_offset(TP0) == 503  # what the guard is for


def test_the_guard_holds_such_a_partition_until_its_head_is_acknowledged(consumer):
    app, c = consumer
    guard = CommitGuard(app)
    assert guard.install()
    guard.starts = {TP0: 0}
    acked(c, [500, 501, 502])
    assert c._new_offset(TP0) is None
    acked(c, [0, 1, 2, 500])
    assert c._new_offset(TP0) == 3  # the run from the start, and no further


def test_a_committed_partition_and_an_unknown_start_keep_fausts_own_rule(consumer):
    app, c = consumer
    guard = CommitGuard(app)
    guard.install()
    c._committed_offset[TP0] = 100
    acked(c, [101, 102])  # one offset of slack (a transaction marker), as Faust allows
    assert c._new_offset(TP0) == 103
    acked(c, [200])
    assert c._new_offset(TP0) is None  # Faust's own guard
    c._committed_offset[TP0] = None
    guard.starts = {}  # the beginning offsets could not be read
    acked(c, [7, 8])
    assert c._new_offset(TP0) == 9
