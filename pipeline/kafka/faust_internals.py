"""Every reach into Faust's and aiokafka's private API, in one place (faust-streaming 0.15,
pinned below 0.16; aiokafka as it pins). Each function says what it falls back to when the
private name is gone, so an upgrade degrades a feature instead of crashing the worker.
"""

from __future__ import annotations

import logging
from typing import Any

import faust
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
