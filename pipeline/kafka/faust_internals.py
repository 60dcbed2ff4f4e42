"""Every reach into Faust's and aiokafka's private API, in one place (faust-streaming 0.15,
pinned below 0.16; aiokafka as it pins). Each function says what it falls back to when the
private name is gone, so an upgrade degrades a feature instead of crashing the worker.
"""

from __future__ import annotations

import logging
from typing import Any

import faust
from faust.transport.drivers.aiokafka import ensure_aiokafka_TP
from faust.types import TP

log = logging.getLogger(__name__)


def committed_offset(app: faust.App, tp: tuple[str, int]) -> int | None:
    """The group's committed offset of a partition as Faust read it at assignment (and keeps
    up to date as it commits), from its private ``Consumer._committed_offset``. Without it
    the skipped-offsets check starts at a partition's first message, as it once did."""
    offsets = getattr(app.consumer, "_committed_offset", None)
    return offsets.get(TP(*tp)) if offsets is not None else None


def _consumer_thread(app: faust.App) -> Any | None:
    """Faust's aiokafka consumer thread (``Consumer._thread``), whose loop owns the client."""
    return getattr(app.consumer, "_thread", None)


async def group_offsets(app: faust.App, partitions: list[TP]) -> dict[TP, int]:
    """The group's committed offsets of any partitions, assigned here or not (aiokafka's
    public ``committed``, called on the consumer thread's loop). Empty when unreachable."""
    thread = _consumer_thread(app)
    if thread is None:
        return {}

    async def fetch() -> dict[TP, int]:
        consumer = thread._ensure_consumer()
        found = {}
        for tp in partitions:
            offset = await consumer.committed(tp)
            if offset is not None:
                found[tp] = offset
        return found

    return await thread.call_thread(fetch)


async def request_rejoin(app: faust.App) -> bool:
    """Ask aiokafka's group coordinator to rejoin the group (``_coordinator.request_rejoin``,
    on the consumer thread): what a client does when a broker answers a join or sync with
    an error it should retry. False when the private names are gone."""
    thread = _consumer_thread(app)
    if thread is None:
        return False

    async def rejoin() -> bool:
        coordinator = getattr(thread._ensure_consumer(), "_coordinator", None)
        if coordinator is None or not hasattr(coordinator, "request_rejoin"):
            return False
        coordinator.request_rejoin()
        return True

    return bool(await thread.call_thread(rejoin))


async def take_group_error(app: faust.App) -> Exception | None:
    """The group coordination error aiokafka holds for its user, taken so the coordinator
    goes on. aiokafka parks an unexpected JoinGroup/SyncGroup error until the user's next
    fetch (``_coordinator.check_errors``) and does nothing meanwhile; Faust does not fetch
    while it has no partitions, so a worker stranded that way would wait forever. None when
    nothing is held or the private names are gone."""
    thread = _consumer_thread(app)
    if thread is None:
        return None

    async def take() -> Exception | None:
        coordinator = getattr(thread._ensure_consumer(), "_coordinator", None)
        if coordinator is None or getattr(coordinator, "_pending_exception", None) is None:
            return None
        try:
            coordinator.check_errors()
        except Exception as exc:  # the parked error, raised to whoever looks
            return exc
        return None

    return await thread.call_thread(take)


async def partitions_of(app: faust.App, topics: tuple[str, ...]) -> list[TP]:
    """Every partition of the topics as the cluster's metadata has them (aiokafka's public
    ``partitions_for_topic``, on the consumer thread). Faust's ``topic_partitions`` reads
    the group's metadata snapshot instead, which is empty while a worker holds nothing."""
    thread = _consumer_thread(app)
    if thread is None:
        return []

    async def look() -> list[TP]:
        consumer = thread._ensure_consumer()
        return [TP(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]

    return await thread.call_thread(look)


class CommitGuard:
    """Faust commits the lowest run of acknowledged offsets of a partition
    (``Consumer._new_offset``) and refuses one that leaves a hole after the committed offset,
    but only when that offset is above 0: a partition the group never committed (a new
    topic, a new broker) has no such guard. Should messages at its head be fetched, dropped
    (a rebalance clears Faust's buffers) and not fetched again, a later run of acknowledged
    offsets is committed past them, and they are lost. This guard holds such a partition to
    where its reading starts, its beginning offset learned at each assignment (the group
    reads from there with ``auto_offset_reset`` earliest, Faust's default), until the
    acknowledgements reach it: a hole then stalls the commit, and a restart reads it again.
    """

    def __init__(self, app: faust.App) -> None:
        self.app = app
        self.starts: dict[TP, int] = {}
        self.installed = False

    async def on_assignment(self, partitions: set[TP]) -> None:
        """At each assignment, before anything is fetched (Faust holds the partitions
        paused until its assignment callbacks return)."""
        if not self.installed:
            self.installed = self.install()
        await self.learn_starts(partitions)

    def install(self) -> bool:
        """Wrap the consumer's ``_new_offset``; False (Faust's own behaviour kept) when the
        private names are gone."""
        consumer = self.app.consumer
        original = getattr(consumer, "_new_offset", None)
        acked = getattr(consumer, "_acked", None)
        committed = getattr(consumer, "_committed_offset", None)
        if original is None or acked is None or committed is None:
            log.warning("Faust's consumer has changed: commits keep Faust's own hole guard")
            return False

        def guarded(tp: TP) -> int | None:
            start = None if committed.get(tp) else self.starts.get(tp)
            pending = acked.get(tp)
            # One offset of slack, as Faust's own guard: a transaction's marker is never acked.
            if start is not None and pending and min(pending) - start > 1:
                return None
            return original(tp)

        setattr(consumer, "_new_offset", guarded)  # noqa: B010  (a private method, on purpose)
        log.info("commits of never-committed partitions guarded from their beginning offsets")
        return True

    async def learn_starts(self, partitions: set[TP]) -> None:
        """Each assigned partition's beginning offset (aiokafka's public
        ``beginning_offsets``, on the consumer thread); unknown ones stay unguarded."""
        thread = _consumer_thread(self.app)
        if thread is None or not partitions:
            self.starts = {}
            return

        async def look() -> dict[TP, int]:
            consumer = thread._ensure_consumer()
            found = await consumer.beginning_offsets([ensure_aiokafka_TP(tp) for tp in partitions])
            return {TP(tp.topic, tp.partition): offset for tp, offset in found.items()}

        try:
            self.starts = await thread.call_thread(look)
            log.info("beginning offsets of %d assigned partitions read", len(self.starts))
        except Exception as exc:  # no guard is Faust's behaviour, not a failure
            log.warning("could not read the partitions' beginning offsets: %s", exc)
            self.starts = {}
