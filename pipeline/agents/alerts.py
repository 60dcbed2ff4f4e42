"""Alerting in a worker: drops and SLA breaches checked on a timer, then every alert the
outbox holds delivered to the alerts topic and the webhook (at least once)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import faust
from faust.types import TP

from pipeline.agents.group_watch import assigned
from pipeline.agents.worker import Worker
from pipeline.alerting import AlertRunner, DetectorConfig, Webhook
from pipeline.alerting.delivery import Send, Target, backlog, deliver
from pipeline.alerting.sla import SlaTargets
from pipeline.contracts import SATISFACTION_EVENTS
from pipeline.sinks import ClickHouseSink
from pipeline.warehouse import tables

log = logging.getLogger(__name__)
# Alerts older than this that no target acknowledged are given up on (the outbox keeps 30
# days): a webhook configured today does not receive a week-old backlog of history.
DELIVERY_HOURS = 24 * 7


def check_alerts(app: faust.App, worker: Worker, alerts: faust.TopicT) -> None:
    """Check closed windows for drops, on the worker that owns satisfaction-events:0, so
    several workers never raise the same alert twice; deliver them from the outbox."""
    settings = worker.settings
    config = DetectorConfig(
        open_evidence=settings.alerting.evidence, min_ratings=settings.alerting.min_ratings
    )
    sla = SlaTargets(
        first_response=timedelta(minutes=settings.alerting.sla_first_response_minutes),
        resolution=timedelta(hours=settings.alerting.sla_resolution_hours),
    )
    runner = AlertRunner(
        worker.client,
        config,
        replay=timedelta(days=settings.alerting.replay_days),
        sla=sla,
        partitions=0,  # the topic's real count is set from the broker's metadata below
        fresh=timedelta(seconds=max(30.0, 3 * settings.health_interval_seconds)),
        sink=ClickHouseSink(worker.client, tables.ALERTS, worker.stopping, ledger=worker.ledger),
    )
    targets = [Target("topic", _topic_sender(alerts))]
    if settings.alerting.webhook_url:
        targets.append(
            Target(
                "webhook",
                _webhook_sender(
                    Webhook(
                        settings.alerting.webhook_url, settings.alerting.webhook_secret.reveal()
                    )
                ),
            )
        )
    owner = TP(SATISFACTION_EVENTS, 0)

    @app.timer(interval=settings.alerting.interval_seconds)
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
