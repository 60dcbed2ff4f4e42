"""Service-level targets for complaints: a breach is an alert, opened at the deadline (event
time) and resolved when the late response or resolution arrives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from clickhouse_connect.driver.client import Client

from pipeline.alerting.events import AlertEvent, Scope, alert_id
from pipeline.alerting.explain import Explanation
from pipeline.alerting.outputs import AlertRecord
from pipeline.gaps import ACTIONS, NO_DIMENSION


@dataclass(frozen=True)
class SlaTargets:
    first_response: timedelta = timedelta(hours=2)
    resolution: timedelta = timedelta(hours=48)


_CANDIDATES = """
SELECT complaint_id, store_id, channel, gap, dimension, received_at, first_response_at,
       first_resolved_at
FROM complaint_lifecycle
WHERE received_at >= {since:DateTime64(3)} AND received_at < {now:DateTime64(3)}
  AND (ifNull(first_response_at, {now:DateTime64(3)})
           > received_at + toIntervalSecond({fr:UInt32})
       OR ifNull(first_resolved_at, {now:DateTime64(3)})
           > received_at + toIntervalSecond({res:UInt32}))
"""


def sla_breaches(
    client: Client, targets: SlaTargets, now: datetime, since: datetime
) -> list[AlertRecord]:
    """Every breach as of event time ``now``, open or (when the step came late) resolved."""
    rows = client.query(
        _CANDIDATES,
        parameters={
            "since": since,
            "now": now,
            "fr": int(targets.first_response.total_seconds()),
            "res": int(targets.resolution.total_seconds()),
        },
    ).result_rows
    records = []
    for complaint_id, store, channel, gap, dimension, received, responded, resolved in rows:
        received = received.replace(tzinfo=UTC)
        for kind, target, done in (
            ("sla_first_response", targets.first_response, responded),
            ("sla_resolution", targets.resolution, resolved),
        ):
            deadline = received + target
            done = done.replace(tzinfo=UTC) if done is not None else None
            if deadline > now or (done is not None and done <= deadline):
                continue
            records.append(
                _record(
                    kind,
                    target,
                    complaint_id,
                    store,
                    channel,
                    gap,
                    dimension,
                    received,
                    deadline,
                    done,
                )
            )
    return records


def _record(
    kind: str,
    target: timedelta,
    complaint_id: str,
    store: str,
    channel: str,
    gap: str,
    dimension: str,
    received: datetime,
    deadline: datetime,
    done: datetime | None,
) -> AlertRecord:
    missing = "first response" if kind == "sla_first_response" else "resolution"
    hours = target / timedelta(hours=1)
    event = AlertEvent(
        alert_id=alert_id(kind, complaint_id),
        scope=Scope("complaint", store, channel),
        opened_at=deadline,
        resolved_at=done,
        trigger=kind,
        window_start=received,
        window_end=deadline,
        kind=kind,
        complaint_id=complaint_id,
    )
    cause = f"complaint {complaint_id} got no {missing} within {hours:g} h"
    if gap in ACTIONS:
        cause += f"; it points to {ACTIONS[gap]}"
    why = Explanation({gap: 1}, {dimension: 1} if dimension != NO_DIMENSION else {}, [], cause)
    return AlertRecord(event, why)
