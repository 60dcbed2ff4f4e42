"""The agent loop's promises, on Faust's own test context: a batch is acknowledged only once
written, batches are written in order, and the next batch is prepared while one is written."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import faust
import pytest

from pipeline.agents.batch import Message, Outcome
from pipeline.agents.loop import Lane, consume
from pipeline.agents.stats import TopicStats
from pipeline.sinks import ListSink
from pipeline.sinks.clickhouse import SinkStopped


class GatedSink(ListSink):
    """A list sink whose writes wait for the test to open a gate, one write per opening."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Semaphore(0)
        self.writing = threading.Event()

    def write(self, rows: list) -> int:
        self.writing.set()
        assert self.gate.acquire(timeout=10), "the test never let this write through"
        self.writing.clear()
        return super().write(rows)


async def _until(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


def _app(tmp_path: Path) -> faust.App:
    return faust.App(
        "loop-test",
        broker="kafka://127.0.0.1:9",  # never dialled: the test context feeds the agent
        store="memory://",
        value_serializer="raw",
        datadir=str(tmp_path),
        web_enabled=False,
    )


async def _offsets_as_rows(messages: list[Message], now: datetime) -> Outcome:
    """A step that accepts every message as a row holding its offset."""
    return Outcome(rows=[(m.offset,) for m in messages])


def _lane(
    app: faust.App, sink: ListSink, io: ThreadPoolExecutor, committed: dict | None = None
) -> Lane:
    async def in_io(fn):  # type: ignore[no-untyped-def]
        return await asyncio.get_running_loop().run_in_executor(io, fn)

    known = committed or {}
    return Lane("t", sink, app.topic("dead"), TopicStats(), {}, in_io, known.get)


def _close(app: faust.App, io: ThreadPoolExecutor) -> None:
    io.shutdown()
    # Acking made Faust build its consumer, whose thread (never started) owns a loop.
    app.consumer._thread.thread_loop.close()


def test_a_batch_is_acknowledged_only_after_its_write_and_the_next_is_prepared_meanwhile(
    tmp_path: Path,
) -> None:
    asyncio.run(_acknowledged_after_write(tmp_path))


async def _acknowledged_after_write(tmp_path: Path) -> None:
    app = _app(tmp_path)  # inside the running loop, which Faust then uses
    sink, io = GatedSink(), ThreadPoolExecutor(max_workers=1)
    stepped: list[list[int]] = []

    async def step(messages: list[Message], now: datetime) -> Outcome:
        stepped.append([m.offset for m in messages])
        return await _offsets_as_rows(messages, now)

    lane = _lane(app, sink, io)

    @app.agent(app.topic("t"), name="t")
    async def agent(stream: faust.StreamT) -> None:
        await consume(stream, lane, step, batch_size=2, within=0.05)

    async with agent.test_context() as ctx:
        events = [await ctx.put(b"x", wait=False) for _ in range(6)]
        await _until(lambda: sink.writing.is_set())
        # Batch 1 is being written: batch 2 has already been prepared, nothing is acknowledged.
        await _until(lambda: len(stepped) >= 2)
        assert not any(e.message.acked for e in events)
        sink.gate.release()
        await _until(lambda: len(sink.batches) == 1 and sink.writing.is_set())
        await _until(lambda: events[1].message.acked)
        assert [e.message.acked for e in events] == [True, True, False, False, False, False]
        sink.gate.release()
        sink.gate.release()
        await _until(lambda: all(e.message.acked for e in events))
    _close(app, io)
    assert sink.rows == [(e.message.offset,) for e in events]
    assert [b for b in stepped] == [[0, 1], [2, 3], [4, 5]]
    assert lane.counters.written == 6 and lane.counters.batches == 3


class FailingSink(ListSink):
    """Writes its first batch, then fails as a sink does when the worker stops mid-outage."""

    def write(self, rows: list) -> int:
        if self.batches:
            raise SinkStopped("stopped with unwritten rows")
        return super().write(rows)


def test_a_failed_write_stops_the_agent_with_that_batch_and_later_ones_unacknowledged(
    tmp_path: Path,
) -> None:
    asyncio.run(_failed_write(tmp_path))


async def _failed_write(tmp_path: Path) -> None:
    app, sink, io = _app(tmp_path), FailingSink(), ThreadPoolExecutor(max_workers=1)
    lane = _lane(app, sink, io)
    crashed: list[BaseException] = []

    @app.agent(app.topic("t"), name="t")
    async def agent(stream: faust.StreamT) -> None:
        try:
            await consume(stream, lane, _offsets_as_rows, batch_size=2, within=0.05)
        except BaseException as exc:
            crashed.append(exc)
            raise

    async with agent.test_context() as ctx:
        events = [await ctx.put(b"x", wait=False) for _ in range(6)]
        await _until(lambda: bool(crashed))
    _close(app, io)
    assert isinstance(crashed[0], BaseExceptionGroup)
    assert crashed[0].subgroup(SinkStopped) is not None
    assert [e.message.acked for e in events] == [True, True, False, False, False, False]
    assert sink.rows == [(0,), (1,)] and lane.counters.written == 2


def test_offsets_the_broker_never_delivered_are_counted_and_reported(tmp_path: Path, caplog):
    asyncio.run(_skipped_offsets(tmp_path))
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        "t[0]: offsets 2 to 9 (8 messages) were never delivered to this worker; the broker "
        "no longer held them (retention) when it read on"
    ]


async def _skipped_offsets(tmp_path: Path) -> None:
    app, sink, io = _app(tmp_path), ListSink(), ThreadPoolExecutor(max_workers=1)
    lane = _lane(app, sink, io)

    @app.agent(app.topic("t"), name="t")
    async def agent(stream: faust.StreamT) -> None:
        await consume(stream, lane, _offsets_as_rows, batch_size=2, within=0.05)

    async with agent.test_context() as ctx:
        # Offsets 0-1, then 10-12 (2-9 gone, across a batch boundary), then 14 (13 a
        # transaction marker: one offset, not data).
        for offset in (0, 1, 10, 11, 12, 14):
            ctx.sent_offset = offset
            await ctx.put(b"x", partition=0, wait=False)
        await _until(lambda: lane.counters.written == 6)
    _close(app, io)
    assert sink.rows == [(0,), (1,), (10,), (11,), (12,), (14,)]
    assert lane.counters.skipped == 8
    assert lane.written == {("t", 0): 15}


def test_a_first_batch_beyond_the_committed_offset_is_reported(tmp_path: Path, caplog):
    """After a restart the worker resumes at its group's committed offset; a first message
    beyond it means retention deleted what lay between, before anyone read it."""
    lane = asyncio.run(_from_committed(tmp_path, {("t", 0): 5, ("t", 1): 3}))
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        "t[0]: offsets 5 to 8 (4 messages) were never delivered to this worker; the broker "
        "no longer held them (retention) when it read on"
    ]
    assert lane.counters.skipped == 4
    assert lane.written == {("t", 0): 11, ("t", 1): 5, ("t", 2): 8}


async def _from_committed(tmp_path: Path, committed: dict) -> Lane:
    app, sink, io = _app(tmp_path), ListSink(), ThreadPoolExecutor(max_workers=1)
    lane = _lane(app, sink, io, committed)

    @app.agent(app.topic("t"), name="t")
    async def agent(stream: faust.StreamT) -> None:
        await consume(stream, lane, _offsets_as_rows, batch_size=10, within=0.05)

    async with agent.test_context() as ctx:
        # Partition 0 resumes at 9 (5-8 gone); 1 exactly at its commit; 2 has no commit.
        for partition, offset in ((0, 9), (0, 10), (1, 3), (1, 4), (2, 7)):
            ctx.sent_offset = offset
            await ctx.put(b"x", partition=partition, wait=False)
        await _until(lambda: lane.counters.written == 5)
    _close(app, io)
    return lane


def test_a_worker_whose_consumer_is_still_starting_has_no_partitions(tmp_path: Path):
    """/stats/ and the timers may run before Faust has started its consumer thread."""
    from faust.exceptions import ConsumerNotStarted

    from pipeline.agents.group_watch import assigned

    app = _app(tmp_path)
    try:
        with pytest.raises(ConsumerNotStarted):
            app.consumer.assignment()
        assert assigned(app) == set()
    finally:
        app.consumer._thread.thread_loop.close()
