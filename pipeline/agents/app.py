"""The Faust app: thin agents that decode, call the pure batch steps and hand rows to sinks.

Offsets are acknowledged only after a batch is written (see ``pipeline.agents.loop``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import faust
from clickhouse_connect.driver.client import Client
from faust.types import TP

from pipeline.agents import warehouse_proxy
from pipeline.agents.batch import (
    Message,
    Outcome,
    accept_complaints,
    complaint_rows,
    complaint_update_batch,
    dead_letter_batch,
    satisfaction_batch,
)
from pipeline.agents.group_watch import GroupWatch, assigned
from pipeline.agents.health import COLUMNS as HEALTH_COLUMNS
from pipeline.agents.health import health_rows, worker_name
from pipeline.agents.loop import Lane, Step, consume
from pipeline.agents.stats import WorkerStats
from pipeline.classifier import GapClassifier, Prediction
from pipeline.classifier.artifact import FEATURE_VERSION, features_of, load, stamp
from pipeline.classifier.processes import ClassifierProcesses
from pipeline.config import Settings
from pipeline.contracts import (
    COMPLAINT_UPDATES,
    COMPLAINTS,
    DEAD_LETTERS,
    SATISFACTION_EVENTS,
    Limits,
)
from pipeline.contracts.topics import ALERTS
from pipeline.kafka import faust_credentials, topic_specs, transport
from pipeline.kafka.faust_internals import committed_offset
from pipeline.sinks import ClickHouseSink, WriteLedger
from pipeline.warehouse import tables
from pipeline.warehouse.errors import WriteError
from pipeline.warehouse.summary import summary

if TYPE_CHECKING:
    from pipeline.alerting.delivery import Send

log = logging.getLogger(__name__)
# Alerts older than this that no target acknowledged are given up on (the outbox keeps 30
# days): a webhook configured today does not receive a week-old backlog of history.
DELIVERY_HOURS = 24 * 7


@dataclass
class Sinks:
    satisfaction: ClickHouseSink
    complaints: ClickHouseSink
    complaint_updates: ClickHouseSink
    dead_letters: ClickHouseSink


class Worker:
    """What one worker process holds: its warehouse client, sinks, model and counters."""

    def __init__(
        self,
        settings: Settings,
        client: Client,
        classifier: GapClassifier,
        model_stamp: tuple[int, int, int] | None = None,
        cluster_id: str = "",
    ) -> None:
        self.settings, self.client, self.classifier = settings, client, classifier
        self.cluster_id = cluster_id  # the Kafka cluster: part of each dead letter's identity
        # The artifact file the model came from; a different one is a retrained model.
        self.model_stamp = model_stamp
        self.classifier_processes = (
            ClassifierProcesses(classifier, settings.assets_dir, settings.classifier_processes)
            if settings.classifier_processes
            else None
        )
        self.stopping = threading.Event()
        self.name = worker_name()
        self.stats = WorkerStats()
        # One ledger for every table this worker writes: interrupted writes are repaired
        # before the first write after each assignment (docs/delivery.md).
        self.ledger = WriteLedger(client, self.name, tables.columns_of)
        self.sinks = Sinks(
            satisfaction=self.sink(tables.SATISFACTION_EVENTS, SATISFACTION_EVENTS),
            complaints=self.sink(tables.COMPLAINTS, COMPLAINTS),
            complaint_updates=self.sink(tables.COMPLAINT_UPDATES, COMPLAINT_UPDATES),
            dead_letters=self.sink(tables.DEAD_LETTERS, DEAD_LETTERS),
        )
        # One thread owns the warehouse client, so inserts and reads never overlap on it.
        self.io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warehouse")
        # Validation and classification are CPU work: off the event loop, so heartbeats flow.
        self.cpu = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cpu")
        # Next offset not yet written, per (topic, partition): the worker's side of its lag.
        self.written: dict[tuple[str, int], int] = {}
        self.limits = Limits(
            max_text_chars=settings.max_text_chars,
            max_future=timedelta(seconds=settings.ts_max_future_seconds),
            max_age=timedelta(days=settings.ts_max_age_days),
            unknown_fields=settings.unknown_fields,
        )

    def sink(self, table: tables.Table, topic: str) -> ClickHouseSink:
        """A sink on this worker's ledger whose write errors count against ``topic``."""

        def count(error: WriteError) -> None:
            self.stats.topic(topic).warehouse_error(error.kind, error.message)

        return ClickHouseSink(self.client, table, self.stopping, ledger=self.ledger, on_error=count)

    async def classify(self, texts: list[str]) -> list[Prediction]:
        if self.classifier_processes is not None:
            return await self.classifier_processes.predict(texts)
        return await asyncio.get_running_loop().run_in_executor(
            self.cpu, self.classifier.predict, texts
        )

    async def reload_classifier(self) -> bool:
        """Switch to a model saved in the model directory since this one was loaded (by
        `gapwatch train`); True if switched. Batches in flight finish on the old model."""
        current = stamp(self.settings.model_dir)
        if current is None or current == self.model_stamp:
            return False
        self.model_stamp = current  # a file that fails to load is not tried again
        model = await asyncio.to_thread(load, self.settings.model_dir, self.settings.assets_dir)
        if features_of(model) != FEATURE_VERSION:
            log.warning(
                "not switching to the classifier in %s: built by other GapWatch code "
                "(features %s, this worker %s)",
                self.settings.model_dir,
                features_of(model),
                FEATURE_VERSION,
            )
            return False
        if model.version == self.classifier.version:
            return False
        if self.classifier_processes is not None:
            await self.classifier_processes.swap(model)
        previous, self.classifier = self.classifier.version, model
        log.info(
            "classifier %s replaced by %s, saved in %s",
            previous,
            model.version,
            self.settings.model_dir,
        )
        return True

    def classifier_state(self) -> dict:
        processes = self.classifier_processes
        return {
            "model_version": self.classifier.version,
            "processes": processes.processes if processes else 0,
            "restarts": processes.restarts if processes else 0,
        }

    def close(self) -> None:
        """After the app has stopped: the classifier processes, then the warehouse client."""
        if self.classifier_processes is not None:
            self.classifier_processes.close()
        if self.client is not None:
            self.client.close()

    async def in_io(self, fn: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.io, fn)

    async def warehouse_summary(self) -> dict:
        return await self.in_io(lambda: summary(self.client))


def build_app(settings: Settings, worker: Worker) -> faust.App:
    app = faust.App(
        settings.app_id,
        broker=f"{transport.SCHEME}://{settings.kafka_bootstrap}",
        topic_allow_declare=settings.kafka_declare_topics,
        topic_disable_leader=True,
        broker_session_timeout=settings.kafka_session_timeout,
        broker_rebalance_timeout=settings.kafka_session_timeout,
        broker_heartbeat_interval=min(3.0, settings.kafka_session_timeout / 3),
        broker_credentials=faust_credentials(settings),
        topic_partitions=settings.kafka_partitions,
        topic_replication_factor=settings.kafka_replication,
        consumer_auto_offset_reset="earliest",
        key_serializer="raw",
        value_serializer="raw",
        web_enabled=True,
        web_bind=settings.web_bind,
        web_port=settings.web_port,
        datadir=str(settings.data_dir / "faust"),
        store="memory://",
    )
    setattr(app, transport.APP_ATTRIBUTE, settings.kafka_fetch_max_wait_ms)
    # Declared (partitions, replication, retention) only where the broker allows it.
    specs = topic_specs(settings)

    def topic(name: str) -> faust.TopicT:
        spec = specs[name]
        return app.topic(
            name, partitions=spec.partitions, replicas=spec.replication, retention=spec.retention
        )

    satisfaction_topic = topic(SATISFACTION_EVENTS)
    complaints_topic = topic(COMPLAINTS)
    dead_letter_topic = topic(DEAD_LETTERS)
    updates_topic = topic(COMPLAINT_UPDATES)

    async def handle(stream: faust.StreamT, topic: str, sink: ClickHouseSink, step: Step) -> None:
        lane = Lane(
            topic,
            sink,
            dead_letter_topic,
            worker.stats.topic(topic),
            worker.written,
            worker.in_io,
            lambda tp: committed_offset(app, tp),
            position=sink.table.position,
            cluster_id=worker.cluster_id,
        )
        await consume(stream, lane, step, settings.batch_size, settings.batch_seconds)

    async def validate_satisfaction(msgs: list[Message], now: datetime) -> Outcome:
        return satisfaction_batch(msgs, worker.limits, now)

    async def validate_and_classify(msgs: list[Message], now: datetime) -> Outcome:
        # Awaited, not run in one thread: batch N+1 is validated while batch N is classified.
        accepted, outcome = await asyncio.get_running_loop().run_in_executor(
            worker.cpu, accept_complaints, msgs, worker.limits, now
        )
        outcome.rows = complaint_rows(
            accepted, await worker.classify([c.text for _, c in accepted]), worker.limits
        )
        return outcome

    async def validate_updates(msgs: list[Message], now: datetime) -> Outcome:
        return complaint_update_batch(msgs, worker.limits, now)

    async def file_dead_letters(msgs: list[Message], now: datetime) -> Outcome:
        return dead_letter_batch(msgs, now)

    @app.agent(satisfaction_topic, name="satisfaction")
    async def satisfaction(stream: faust.StreamT) -> None:
        await handle(stream, SATISFACTION_EVENTS, worker.sinks.satisfaction, validate_satisfaction)

    @app.agent(complaints_topic, name="complaints")
    async def complaints(stream: faust.StreamT) -> None:
        await handle(stream, COMPLAINTS, worker.sinks.complaints, validate_and_classify)

    @app.agent(updates_topic, name="complaint_updates")
    async def complaint_updates(stream: faust.StreamT) -> None:
        await handle(stream, COMPLAINT_UPDATES, worker.sinks.complaint_updates, validate_updates)

    @app.agent(dead_letter_topic, name="dead_letters")
    async def dead_letters(stream: faust.StreamT) -> None:
        await handle(stream, DEAD_LETTERS, worker.sinks.dead_letters, file_dead_letters)

    if settings.alerts_enabled:
        _alerting(app, settings, worker, topic(ALERTS))
    if settings.model_reload_seconds > 0:
        _model_reloading(app, settings, worker)
    if settings.kafka_rejoin_seconds > 0:
        app.add_dependency(GroupWatch(app, worker.stats, settings.kafka_rejoin_seconds))
    _health(app, settings, worker)

    if urlsplit(settings.clickhouse_dsn).scheme == "chdb":
        # The chDB path is this process's alone: reads of other processes come through here.
        warehouse_proxy.register(app, worker.client, worker.in_io)

    @app.page("/stats/")
    async def stats(web: Any, request: Any) -> Any:
        assignment = sorted(f"{tp.topic}:{tp.partition}" for tp in assigned(app))
        worker.stats.repaired_blocks = worker.ledger.repaired
        return web.json(
            {
                "worker": {**worker.stats.snapshot(), "assignment": assignment},
                "classifier": worker.classifier_state(),
                "warehouse": await worker.warehouse_summary(),
            }
        )

    @app.on_before_shutdown.connect  # type: ignore[arg-type]  # mode's SignalHandlerT: (sender, *args, signal=, **kwargs)
    async def stop_retrying(app: faust.App, **kwargs: Any) -> None:
        worker.stopping.set()

    return app


def _model_reloading(app: faust.App, settings: Settings, worker: Worker) -> None:
    """Pick up what `gapwatch train` saves, so review labels reach running workers."""

    @app.timer(interval=settings.model_reload_seconds)
    async def reload_model() -> None:
        try:
            await worker.reload_classifier()
        except Exception as exc:
            log.warning(
                "could not load the classifier saved in %s: %s; keeping %s",
                settings.model_dir,
                exc,
                worker.classifier.version,
            )


def _alerting(app: faust.App, settings: Settings, worker: Worker, alerts: faust.TopicT) -> None:
    """Check closed windows for drops, on the worker that owns satisfaction-events:0, so
    several workers never raise the same alert twice."""
    from pipeline.alerting import AlertRunner, DetectorConfig, Webhook
    from pipeline.alerting.delivery import Target, backlog, deliver
    from pipeline.alerting.sla import SlaTargets

    config = DetectorConfig(
        open_evidence=settings.alert_evidence, min_ratings=settings.alert_min_ratings
    )
    sla = SlaTargets(
        first_response=timedelta(minutes=settings.sla_first_response_minutes),
        resolution=timedelta(hours=settings.sla_resolution_hours),
    )
    runner = AlertRunner(
        worker.client,
        config,
        replay=timedelta(days=settings.alert_replay_days),
        sla=sla,
        partitions=0,  # the topic's real count is set from the broker's metadata below
        fresh=timedelta(seconds=max(30.0, 3 * settings.health_interval_seconds)),
        sink=ClickHouseSink(worker.client, tables.ALERTS, worker.stopping, ledger=worker.ledger),
    )
    targets = [Target("topic", _topic_sender(alerts))]
    if settings.alert_webhook_url:
        targets.append(
            Target(
                "webhook",
                _webhook_sender(Webhook(settings.alert_webhook_url, settings.alert_webhook_secret)),
            )
        )
    owner = TP(SATISFACTION_EVENTS, 0)

    @app.timer(interval=settings.alert_interval_seconds)
    async def check_for_drops() -> None:
        if owner not in assigned(app):
            return
        partitions = app.consumer.topic_partitions(SATISFACTION_EVENTS)
        if not partitions:
            return
        runner.partitions = partitions
        for record in await worker.in_io(runner.step):
            worker.stats.alerts += 1
            log.warning(
                "%s alert %s %s (%s): %s",
                record.event.kind,
                record.state,
                record.event.scope,
                record.event.alert_id,
                record.why.likely_cause,
            )
        # From the outbox, so what a crash or an unreachable target left behind goes too.
        await deliver(worker.in_io, worker.client, targets, horizon_hours=DELIVERY_HOURS)
        worker.stats.alerts_undelivered = await worker.in_io(
            lambda: backlog(worker.client, [t.name for t in targets], DELIVERY_HOURS)
        )


def _topic_sender(topic: faust.TopicT) -> Send:
    async def send(alert_id: str, payload: bytes) -> bool:
        try:
            await (await topic.send(key=alert_id.encode(), value=payload))
        except Exception as exc:
            log.warning("could not send alert %s to the alerts topic: %s", alert_id, exc)
            return False
        return True

    return send


def _webhook_sender(webhook: Any) -> Send:
    async def send(alert_id: str, payload: bytes) -> bool:
        return bool(await asyncio.get_running_loop().run_in_executor(None, webhook.post, payload))

    return send


def _health(app: faust.App, settings: Settings, worker: Worker) -> None:
    """Write this worker's lag per assigned partition; a failure here is logged, never fatal."""

    @app.on_partitions_assigned.connect  # type: ignore[arg-type]  # mode's SignalHandlerT: (sender, *args, signal=, **kwargs)
    async def repair_first(app: faust.App, assigned: set[TP], **kwargs: Any) -> None:
        # Partitions may come from a worker killed mid-insert: its block is completed from
        # the write ledger before anything replayed from them is written.
        worker.ledger.repair_needed.set()

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # mode's SignalHandlerT: (sender, *args, signal=, **kwargs)
    async def forget_revoked(app: faust.App, revoked: set[TP], **kwargs: Any) -> None:
        # Another worker writes these now; should they come back, count from the commit.
        for tp in revoked:
            worker.written.pop((tp.topic, tp.partition), None)

    @app.timer(interval=settings.health_interval_seconds)
    async def report_health() -> None:
        partitions = sorted(assigned(app))
        if not partitions:
            return
        try:
            ends = await app.consumer.highwaters(*partitions)
            positions = {
                (tp.topic, tp.partition): await app.consumer.position(tp) for tp in partitions
            }
            rows = health_rows(
                datetime.now(UTC),
                worker.name,
                {(tp.topic, tp.partition): end for tp, end in ends.items()},
                worker.written,
                positions,
                {
                    (topic, partition): n
                    for topic, counters in worker.stats.topics.items()
                    for partition, n in counters.in_flight_by_partition.items()
                },
            )
            await worker.in_io(
                lambda: worker.client.insert("pipeline_health", rows, column_names=HEALTH_COLUMNS)
            )
            lag: dict[str, int] = {}
            for row in rows:
                lag[row[2]] = lag.get(row[2], 0) + row[HEALTH_COLUMNS.index("lag")]
            worker.stats.lag, worker.stats.lag_at = lag, time.time()
        except Exception as exc:
            log.warning("could not record consumer lag: %s", exc)
