"""One agent's loop as three stages: take a batch, run its step, write it.

Offsets: a batch is acknowledged only after its rows are flushed to ClickHouse and its dead
letters are delivered, so a commit never covers unwritten data (at-least-once).

Why stages: Faust fills a ``take`` buffer only while the agent is waiting on it, so an agent
that validates, classifies and writes in its own loop leaves the broker idle for all of
that, and each stage idle while another runs. Here the agent only hands batches on; each
batch's step (validation, classification) runs as a task of its own, so batch N+1 is
validated while batch N is classified, and the writes (in the warehouse thread) run one
batch at a time in offset order: batch N+1's duplicate check sees batch N's rows, and no
batch is acknowledged before the one ahead of it. Queues of one batch bound what is in
flight to a few batches, all unacknowledged until written.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import faust

from pipeline.agents.batch import Message, Outcome
from pipeline.agents.stats import TopicStats
from pipeline.contracts import DeadLetter
from pipeline.sinks import Row, Sink

log = logging.getLogger(__name__)

Step = Callable[[list[Message], datetime], Awaitable[Outcome]]
InIO = Callable[[Callable[[], Any]], Awaitable[Any]]
Events = Sequence[faust.EventT]
Committed = Callable[[tuple[str, int]], int | None]


def _none_committed(tp: tuple[str, int]) -> int | None:
    return None


@dataclass
class Lane:
    """Where one input topic's batches go once their step has run."""

    topic: str
    sink: Sink
    dead_letters: faust.TopicT
    counters: TopicStats
    written: dict[tuple[str, int], int]  # next offset not yet written, per partition
    in_io: InIO  # runs a blocking call on the thread that owns the warehouse client
    # The group's committed offset (next to read) of a partition this worker has not yet
    # written from, if known: where a restart or a rebalance resumes reading.
    committed: Committed = _none_committed
    # Where a row's message sat (partition, offset), so a row the warehouse refuses can be
    # dead-lettered with its message; None for tables that do not record it.
    position: Callable[[Row], tuple[int, int] | None] = lambda row: None
    cluster_id: str = ""  # the Kafka cluster, part of each dead letter's identity


async def consume(
    stream: faust.StreamT, lane: Lane, step: Step, batch_size: int, within: float
) -> None:
    """Run until the stream stops; a failed write (the worker stopping while ClickHouse
    refuses) cancels the other stages and leaves its batch and those after it unacknowledged."""
    # An agent's stream is a faust.Stream; noack_take is its own, not part of StreamT.
    assert isinstance(stream, faust.Stream)
    taken: asyncio.Queue[Events | None] = asyncio.Queue(maxsize=1)
    stepped: asyncio.Queue[tuple[Events, list[Message], asyncio.Task[Outcome]] | None]
    stepped = asyncio.Queue(maxsize=1)
    async with asyncio.TaskGroup() as stages:
        stages.create_task(_steps(taken, stepped, step, stages, lane.cluster_id))
        stages.create_task(_writes(stepped, stream, lane))
        async for events in stream.noack_take(batch_size, within=within):
            if lane.counters.first_batch_at is None:
                lane.counters.first_batch_at = time.time()
            lane.counters.taken(events)
            await taken.put(events)
        await taken.put(None)


async def _steps(
    taken: asyncio.Queue[Events | None],
    stepped: asyncio.Queue[tuple[Events, list[Message], asyncio.Task[Outcome]] | None],
    step: Step,
    stages: asyncio.TaskGroup,
    cluster_id: str,
) -> None:
    """Start each batch's step as soon as it is taken: a step that awaits (classification in
    another process) overlaps the next batch's. Outcomes are still written in offset order."""
    while (events := await taken.get()) is not None:
        messages = [_message(e.message, cluster_id) for e in events]
        running = stages.create_task(_isolating_failures(step, messages, datetime.now(UTC)))
        await stepped.put((events, messages, running))
    await stepped.put(None)


async def _writes(
    stepped: asyncio.Queue[tuple[Events, list[Message], asyncio.Task[Outcome]] | None],
    stream: faust.StreamT,
    lane: Lane,
) -> None:
    while (item := await stepped.get()) is not None:
        events, messages, running = item
        await _write(stream, lane, events, messages, await running)


async def _write(
    stream: faust.StreamT,
    lane: Lane,
    events: Events,
    messages: list[Message],
    outcome: Outcome,
) -> None:
    await _deliver(lane.dead_letters, outcome.dead_letters, lane.topic)
    for row in outcome.rows:
        lane.sink.add(row)
    flushed = await lane.in_io(lane.sink.flush)
    refused = _refused_letters(lane, messages, flushed.refused)
    await _deliver(lane.dead_letters, refused, lane.topic)
    # Only now, with rows written and dead letters delivered, may offsets be committed.
    for event in events:
        await stream.ack(event)
    for msg in messages:
        tp = (msg.topic, msg.partition)
        expected = lane.written.get(tp)
        if expected is None:  # first batch of this partition here: compare with the commit
            expected = lane.committed(tp)
        # A transaction's commit marker takes one offset and is never delivered: only larger
        # gaps mean data gone, typically deleted by retention before this worker read it.
        if expected is not None and msg.offset > expected + 1:
            _skipped(lane, tp, expected, msg.offset)
        lane.written[tp] = max(expected or 0, msg.offset + 1)
    counters = lane.counters
    counters.written_out(messages)
    counters.received += len(messages)
    counters.written += flushed.written
    counters.dead_lettered += len(outcome.dead_letters) + len(refused)
    counters.refused += len(flushed.refused)
    counters.count_evolution(outcome.unknown_messages, outcome.unknown_fields, outcome.newer_schema)
    counters.duplicates += (
        outcome.duplicates + len(outcome.rows) - flushed.written - len(flushed.refused)
    )
    counters.batches += 1


def _message(record: Any, cluster_id: str) -> Message:
    """A Faust message as the batch steps see it, with what a dead letter keeps of it."""
    stamp = getattr(record, "timestamp", None)
    headers = record.headers or ()
    return Message(
        record.topic,
        record.partition,
        record.offset,
        record.value,
        key=record.key,
        headers=tuple(headers.items() if isinstance(headers, Mapping) else headers),
        timestamp=datetime.fromtimestamp(stamp, UTC) if stamp else None,
        cluster_id=cluster_id,
    )


def _refused_letters(
    lane: Lane, messages: list[Message], refused: list[tuple[Row, str]]
) -> list[DeadLetter]:
    """Rows the warehouse refused, as dead letters of the messages they came from."""
    if not refused:
        return []
    by_position = {(m.partition, m.offset): m for m in messages}
    now = datetime.now(UTC)
    letters = []
    for row, reason in refused:
        position = lane.position(row)
        msg = by_position.get(position) if position is not None else None
        if msg is None:  # a dead letter's own row: logged by the sink, nowhere else to go
            continue
        letters.append(msg.dead_letter(f"refused by the warehouse: {reason}", now))
    return letters


def _skipped(lane: Lane, tp: tuple[str, int], expected: int, offset: int) -> None:
    lane.counters.skipped += offset - expected
    log.warning(
        "%s[%d]: offsets %d to %d (%d messages) were never delivered to this worker; the "
        "broker no longer held them (retention) when it read on",
        tp[0],
        tp[1],
        expected,
        offset - 1,
        offset - expected,
    )


async def _isolating_failures(step: Step, messages: list[Message], now: datetime) -> Outcome:
    """Run a batch step; should it raise, redo it message by message and dead-letter the
    messages that still fail, so one poison message never stops an agent."""
    try:
        return await step(messages, now)
    except Exception:
        log.exception("a batch of %d messages failed; retrying them one by one", len(messages))
    merged = Outcome()
    for msg in messages:
        try:
            single = await step([msg], now)
        except Exception as exc:
            reason = f"internal error while processing: {type(exc).__name__}: {exc}"
            single = Outcome(dead_letters=[msg.dead_letter(reason, now)])
        merged.merge(single)
    return merged


async def _deliver(topic: faust.TopicT, letters: list[DeadLetter], source: str) -> None:
    """Send dead letters and wait until the broker has them; keyed by their identity, so
    a replay after a crash sends the same key and the dead-letters table counts it once."""
    if not letters:
        return
    futures: Sequence[Awaitable[faust.types.RecordMetadata]] = [
        await topic.send(key=d.id.encode(), value=d.to_json()) for d in letters
    ]
    await asyncio.gather(*futures)
    log.info(
        "%d messages from %s dead-lettered, e.g. offset %d: %s",
        len(futures),
        source,
        letters[0].offset,
        letters[0].reason,
    )
