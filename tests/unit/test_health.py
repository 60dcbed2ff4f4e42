"""Consumer lag rows for pipeline_health."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.agents.health import health_rows

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def test_lag_counts_from_what_was_written_or_else_from_the_fetch_position():
    ends = {("complaints", 1): 120, ("complaints", 0): 50, ("satisfaction-events", 0): 10}
    written = {("complaints", 0): 40}
    positions = {("complaints", 0): 50, ("complaints", 1): 120, ("satisfaction-events", 0): 4}
    rows = health_rows(NOW, "w1", ends, written, positions)
    assert [(r.topic, r.partition, r.end_offset, r.written_offset, r.lag) for r in rows] == [
        ("complaints", 0, 50, 40, 10),  # the fetched batch is not written yet: it counts
        ("complaints", 1, 120, -1, 0),  # nothing written since start, nothing waiting
        ("satisfaction-events", 0, 10, -1, 6),  # a backlog from the committed offset
    ]
    assert {r.ts for r in rows} == {NOW} and {r.worker for r in rows} == {"w1"}


def test_an_unknown_position_counts_the_whole_partition():
    rows = health_rows(NOW, "w1", {("complaints", 0): 30}, {}, {("complaints", 0): None})
    assert rows[0].lag == 30


def test_messages_taken_and_not_yet_written_are_reported_apart_from_the_lag():
    ends = {("complaints", 0): 50, ("complaints", 1): 20}
    rows = health_rows(
        NOW, "w1", ends, {("complaints", 0): 40}, {}, in_flight={("complaints", 0): 7}
    )
    assert [(r.partition, r.lag, r.in_flight) for r in rows] == [(0, 10, 7), (1, 20, 0)]
