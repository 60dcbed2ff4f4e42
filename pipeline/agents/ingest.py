"""The four ingest agents. Each reads one topic, runs its step on a batch (decode, validate,
classify: the pure functions of ``pipeline.agents.batch``) and hands the rows to its sink;
offsets are acknowledged only after the write (``pipeline.agents.loop``).

An agent is an ``Ingest``: importable, and testable alone with ``register`` on any app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import faust

from pipeline.agents.batch import (
    Message,
    Outcome,
    accept_complaints,
    complaint_rows,
    complaint_update_batch,
    dead_letter_batch,
    satisfaction_batch,
)
from pipeline.agents.loop import Lane, Step, consume
from pipeline.agents.worker import Sinks, Worker
from pipeline.contracts import (
    COMPLAINT_UPDATES,
    COMPLAINTS,
    DEAD_LETTERS,
    SATISFACTION_EVENTS,
    Limits,
)
from pipeline.kafka.faust_internals import committed_offset
from pipeline.sinks import ClickHouseSink


def _pure(batch: Callable[[list[Message], Limits, datetime], Outcome]) -> Callable[[Worker], Step]:
    """A step that is one pure function of the batch and the worker's limits."""

    def bind(worker: Worker) -> Step:
        async def step(msgs: list[Message], now: datetime) -> Outcome:
            return batch(msgs, worker.limits, now)

        return step

    return bind


def complaints_step(worker: Worker) -> Step:
    async def step(msgs: list[Message], now: datetime) -> Outcome:
        # Awaited, not run in one thread: batch N+1 is validated while batch N is classified.
        accepted, outcome = await worker.in_cpu(accept_complaints, msgs, worker.limits, now)
        predictions = await worker.model.classify([c.text for _, c in accepted])
        outcome.rows = complaint_rows(accepted, predictions, worker.limits)
        return outcome

    return step


satisfaction_step = _pure(satisfaction_batch)
complaint_updates_step = _pure(complaint_update_batch)
dead_letters_step = _pure(lambda msgs, _limits, now: dead_letter_batch(msgs, now))


@dataclass(frozen=True)
class Ingest:
    name: str  # the Faust agent's name
    topic: str
    sink: Callable[[Sinks], ClickHouseSink]
    step: Callable[[Worker], Step]

    def register(
        self, app: faust.App, worker: Worker, topic: faust.TopicT, dead_letters: faust.TopicT
    ) -> None:
        """This agent on ``app``, reading ``topic``; refused messages go to ``dead_letters``."""
        settings, sink, step = worker.settings, self.sink(worker.sinks), self.step(worker)

        async def agent(stream: faust.StreamT) -> None:
            lane = Lane(
                self.topic,
                sink,
                dead_letters,
                worker.stats.topic(self.topic),
                worker.written,
                worker.in_io,
                lambda tp: committed_offset(app, tp),
                position=sink.table.position,
                cluster_id=worker.cluster_id,
            )
            await consume(
                stream, lane, step, settings.warehouse.batch_size, settings.warehouse.batch_seconds
            )

        app.agent(topic, name=self.name)(agent)


INGEST = (
    Ingest("satisfaction", SATISFACTION_EVENTS, lambda s: s.satisfaction, satisfaction_step),
    Ingest("complaints", COMPLAINTS, lambda s: s.complaints, complaints_step),
    Ingest(
        "complaint_updates",
        COMPLAINT_UPDATES,
        lambda s: s.complaint_updates,
        complaint_updates_step,
    ),
    Ingest("dead_letters", DEAD_LETTERS, lambda s: s.dead_letters, dead_letters_step),
)
