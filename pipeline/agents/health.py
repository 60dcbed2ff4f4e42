"""Consumer lag as rows for pipeline_health: what the ops dashboard and its lag alert read."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import datetime

from pipeline.warehouse.tables import HealthRow


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def health_rows(
    now: datetime,
    worker: str,
    ends: Mapping[tuple[str, int], int],
    written: Mapping[tuple[str, int], int],
    positions: Mapping[tuple[str, int], int | None],
    in_flight: Mapping[tuple[str, int], int] | None = None,
) -> list[HealthRow]:
    """One row per assigned partition. Lag counts from the next offset not yet written; a
    partition nothing has been written from yet counts from the consumer's fetch position
    (where the committed offset put it), so an idle partition shows 0, not its length.
    In flight: messages this worker has taken and not yet written (part of the lag): the
    rest of the lag is still on the broker. Behind, either way; lost is `skipped`."""
    in_flight = in_flight or {}
    rows = []
    for (topic, partition), end in sorted(ends.items()):
        done = written.get((topic, partition))
        start = done if done is not None else positions.get((topic, partition))
        lag = max(0, end - start) if start is not None else end
        rows.append(
            HealthRow(
                ts=now,
                worker=worker,
                topic=topic,
                partition=partition,
                end_offset=end,
                written_offset=-1 if done is None else done,
                lag=lag,
                in_flight=in_flight.get((topic, partition), 0),
            )
        )
    return rows
