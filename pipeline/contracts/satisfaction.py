"""``satisfaction-events``: one instant-satisfaction rating given right after a service."""

from __future__ import annotations

from typing import ClassVar

from pipeline.contracts._fields import (
    STRICT,
    Channel,
    Contract,
    Id,
    SchemaVersion,
    Score,
    ServqualScore,
)
from pipeline.contracts._timestamps import Timestamp
from pipeline.gaps import Dimension


class SatisfactionEvent(Contract):
    model_config = STRICT
    SCHEMA_VERSION: ClassVar[int] = 1  # the newest version of this contract the worker knows

    event_id: Id
    ts: Timestamp
    store_id: Id
    channel: Channel
    agent_id: Id | None = None
    customer_id: Id | None = None  # links ratings to complaints (the recovery-paradox view)
    score: Score
    # SERVQUAL expectation and perception (1–7) per dimension; gap 5 = perception − expectation.
    expectation: dict[Dimension, ServqualScore] | None = None
    perception: dict[Dimension, ServqualScore] | None = None
    schema_version: SchemaVersion = 1

    @property
    def key(self) -> str:
        return self.event_id
