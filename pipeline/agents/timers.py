"""A worker's housekeeping beside its agents: the lag it reports, the ledger repair on each
assignment, and the switch to a retrained model. A failure here is logged, never fatal."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import faust
from faust.types import TP

from pipeline.agents.group_watch import assigned
from pipeline.agents.health import health_rows
from pipeline.agents.worker import Worker
from pipeline.kafka.faust_internals import CommitGuard
from pipeline.warehouse.tables import PIPELINE_HEALTH

log = logging.getLogger(__name__)


def reload_models(app: faust.App, worker: Worker) -> None:
    """Pick up what `gapwatch train` saves, so review labels reach running workers."""

    @app.timer(interval=worker.settings.classifier.reload_seconds)
    async def reload_model() -> None:
        try:
            await worker.model.reload()
        except Exception as exc:
            log.warning(
                "could not load the classifier saved in %s: %s; keeping %s",
                worker.model.model_dir,
                exc,
                worker.model.version,
            )


def follow_assignments(app: faust.App, worker: Worker) -> None:
    guard = CommitGuard(app)

    @app.on_partitions_assigned.connect  # type: ignore[arg-type]  # mode's SignalHandlerT: (sender, *args, signal=, **kwargs)
    async def repair_first(app: faust.App, assigned: set[TP], **kwargs: Any) -> None:
        # Partitions may come from a worker killed mid-insert: its block is completed from
        # the write ledger before anything replayed from them is written.
        worker.ledger.repair_needed.set()
        # And no commit passes over messages never written (pipeline.kafka.faust_internals).
        await guard.on_assignment(assigned)

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # mode's SignalHandlerT: (sender, *args, signal=, **kwargs)
    async def forget_revoked(app: faust.App, revoked: set[TP], **kwargs: Any) -> None:
        # Another worker writes these now; should they come back, count from the commit.
        for tp in revoked:
            worker.written.pop((tp.topic, tp.partition), None)


def report_health(app: faust.App, worker: Worker) -> None:
    """Write this worker's lag per assigned partition to pipeline_health, and to /stats/."""

    @app.timer(interval=worker.settings.health_interval_seconds)
    async def record_lag() -> None:
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
                lambda: worker.client.insert(
                    PIPELINE_HEALTH.name, rows, column_names=list(PIPELINE_HEALTH.columns)
                )
            )
            lag: dict[str, int] = {}
            for row in rows:
                lag[row.topic] = lag.get(row.topic, 0) + row.lag
            worker.stats.lag, worker.stats.lag_at = lag, time.time()
        except Exception as exc:
            log.warning("could not record consumer lag: %s", exc)
