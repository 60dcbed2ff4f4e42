"""The group watchdog of a worker, started with the app itself.

Faust starts its timers only once the first assignment's table recovery is done, which a
worker stranded without partitions never reaches; so this is a service of its own, a
dependency of the app, looking from the moment the app starts.
"""

from __future__ import annotations

import logging
import time

import faust
from faust.exceptions import ConsumerNotStarted
from faust.types import TP
from mode import Service

from pipeline.agents.stats import WorkerStats
from pipeline.contracts import DEAD_LETTERS, INPUT_TOPICS
from pipeline.kafka.faust_internals import (
    group_offsets,
    partitions_of,
    request_rejoin,
    take_group_error,
)
from pipeline.kafka.watchdog import StallWatch

log = logging.getLogger(__name__)
TOPICS = (*INPUT_TOPICS, DEAD_LETTERS)  # every topic a worker reads


def assigned(app: faust.App) -> set[TP]:
    """This worker's partitions; none while its consumer is still starting (the web page
    and the watchdog can run before it has)."""
    try:
        return set(app.consumer.assignment())
    except ConsumerNotStarted:
        return set()


class GroupWatch(Service):
    """A worker without partitions takes any group error aiokafka parks for a fetch that
    never comes (its coordinator then rejoins by itself); as a backstop, if the group's
    backlog stands still for ``rejoin_seconds``, it asks to rejoin (pipeline.kafka.watchdog)."""

    def __init__(self, app: faust.App, stats: WorkerStats, rejoin_seconds: float) -> None:
        super().__init__()
        self.app = app
        self.stats = stats
        self.rejoin_seconds = rejoin_seconds
        self.watch: StallWatch[TP] = StallWatch(after=rejoin_seconds)

    @Service.task
    async def _look_again_and_again(self) -> None:
        interval = max(1.0, self.rejoin_seconds / 4)
        while not self.should_stop:
            await self.sleep(interval)
            try:
                await self.look()
            except Exception as exc:  # the consumer restarting, the broker away: look again
                log.debug("group watchdog could not look: %s", exc)

    async def look(self) -> None:
        app = self.app
        if assigned(app):
            self.watch.observe(time.monotonic(), True, {}, {})
            return
        parked = await take_group_error(app)
        if parked is not None:
            self.stats.rejoins += 1
            log.warning("group coordination failed (%s): rejoining the group", parked)
            return
        partitions = await partitions_of(app, TOPICS)
        if not partitions:
            return
        ends = await app.consumer.highwaters(*partitions)
        committed = await group_offsets(app, partitions)
        if self.watch.observe(time.monotonic(), False, committed, ends) and await request_rejoin(
            app
        ):
            self.stats.rejoins += 1
            log.warning(
                "no partitions here and the group's backlog has not moved in %.0fs: "
                "asking to rejoin the group",
                self.rejoin_seconds,
            )
