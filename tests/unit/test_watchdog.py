"""When a worker left without partitions asks to rejoin its group: only when the group's
backlog stands still, never when it merely has more members than partitions."""

from __future__ import annotations

from pipeline.kafka.watchdog import StallWatch

ENDS = {"p0": 100, "p1": 50}


def test_an_idle_member_of_a_busy_group_never_rejoins():
    watch = StallWatch(after=60)
    # Others hold every partition and commit as they go: progress, no rejoin.
    for t in range(0, 600, 15):
        assert not watch.observe(t, False, {"p0": t // 10, "p1": 50}, ENDS)


def test_an_idle_member_with_nothing_waiting_never_rejoins():
    watch = StallWatch(after=60)
    for t in range(0, 600, 15):
        assert not watch.observe(t, False, {"p0": 100, "p1": 50}, ENDS)


def test_a_member_with_partitions_never_rejoins():
    watch = StallWatch(after=60)
    for t in range(0, 600, 15):
        assert not watch.observe(t, True, {"p0": 3}, ENDS)


def test_a_stalled_group_is_rejoined_after_the_period_and_then_once_per_period():
    watch = StallWatch(after=60)
    stuck = {"p0": 10, "p1": 50}
    decisions = [watch.observe(t, False, stuck, ENDS) for t in range(0, 181, 15)]
    # First look at t=0 starts the clock; 60 s without progress: rejoin; again 60 s later.
    assert [t for t, d in zip(range(0, 181, 15), decisions, strict=True) if d] == [60, 120, 180]


def test_progress_or_an_assignment_restarts_the_clock():
    watch = StallWatch(after=60)
    assert not watch.observe(0, False, {"p0": 10}, ENDS)
    assert not watch.observe(45, False, {"p0": 11}, ENDS)  # moved
    assert not watch.observe(90, False, {"p0": 11}, ENDS)
    assert not watch.observe(100, True, {"p0": 11}, ENDS)  # got partitions
    assert not watch.observe(130, False, {"p0": 11}, ENDS)
    assert watch.observe(190, False, {"p0": 11}, ENDS)
