"""Alerts at least once: the outbox in the warehouse, sent to each target until acknowledged.

Every alert row (opened, then resolved) reaches ``alert_outbox`` through a materialized view
in the same insert as the ``alerts`` table, and that insert goes through the write ledger,
so a kill cannot leave an alert recorded but not queued. A target's deliveries are recorded
only after it acknowledged them (the broker has the record; the webhook answered 2xx), so
a restart or an unreachable webhook delays an alert and never loses it. An alert can arrive
twice (a kill between sending and recording): receivers deduplicate by ``alert_id`` and
``state``, both in every payload.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol, TypeVar

from clickhouse_connect.driver.client import Client

_PENDING = """
SELECT alert_id, version, payload
FROM alert_outbox
WHERE created_at > now64(3) - INTERVAL {hours:UInt32} HOUR
  AND (alert_id, version) NOT IN (
      SELECT alert_id, version FROM alert_deliveries WHERE target = {target:String})
ORDER BY created_at, alert_id, version
LIMIT {limit:UInt32}
"""

Send = Callable[[str, bytes], Awaitable[bool]]  # (alert_id, payload) -> acknowledged
T = TypeVar("T")


class InIO(Protocol):
    """Runs a blocking call on the thread that owns the warehouse client."""

    def __call__(self, fn: Callable[[], T], /) -> Awaitable[T]: ...


@dataclass(frozen=True)
class Queued:
    alert_id: str
    version: int
    payload: bytes


def pending(client: Client, target: str, horizon_hours: int, limit: int = 500) -> list[Queued]:
    rows = client.query(
        _PENDING, parameters={"hours": horizon_hours, "target": target, "limit": limit}
    ).result_rows
    return [Queued(a, int(v), p if isinstance(p, bytes) else p.encode()) for a, v, p in rows if p]


_BACKLOG = """
SELECT count() FROM alert_outbox
WHERE created_at > now64(3) - INTERVAL {hours:UInt32} HOUR AND payload != ''
  AND (alert_id, version) NOT IN (
      SELECT alert_id, version FROM alert_deliveries WHERE target = {target:String})
"""


def backlog(client: Client, targets: list[str], horizon_hours: int) -> int:
    """Alert rows some target has not acknowledged yet."""
    return sum(
        int(
            client.query(_BACKLOG, parameters={"hours": horizon_hours, "target": t}).result_rows[0][
                0
            ]
        )
        for t in targets
    )


def record(client: Client, target: str, delivered: list[Queued]) -> None:
    if delivered:
        client.insert(
            "alert_deliveries",
            [(q.alert_id, q.version, target) for q in delivered],
            column_names=["alert_id", "version", "target"],
        )


@dataclass
class Target:
    """One place alerts go; after a failure it waits (doubling, up to ``ceiling``) before
    trying again, so an unreachable webhook does not slow everything else down."""

    name: str
    send: Send
    ceiling: float = 300.0
    failures: int = 0
    next_try: float = 0.0
    delivered: int = field(default=0)

    def ready(self, now: float) -> bool:
        return now >= self.next_try

    def failed(self, now: float) -> None:
        self.failures += 1
        self.next_try = now + min(self.ceiling, 2.0 ** min(self.failures, 16))

    def succeeded(self) -> None:
        self.failures, self.next_try = 0, 0.0


async def deliver(
    in_io: InIO, client: Client, targets: list[Target], horizon_hours: int
) -> dict[str, int]:
    """Send what each ready target has not acknowledged, in the order alerts were raised;
    stop a target at its first failure (order is kept, the rest waits). Returns how many
    each target took."""
    sent: dict[str, int] = {}
    for target in targets:
        if not target.ready(time.monotonic()):
            continue
        queued = await in_io(partial(pending, client, target.name, horizon_hours))
        delivered = []
        for item in queued:
            if not await target.send(item.alert_id, item.payload):
                target.failed(time.monotonic())
                break
            delivered.append(item)
        else:
            target.succeeded()
        await in_io(partial(record, client, target.name, delivered))
        target.delivered += len(delivered)
        sent[target.name] = len(delivered)
    return sent
