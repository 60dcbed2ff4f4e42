"""``complaint-updates``: a step in a complaint's recovery, from receipt to resolution."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import StringConstraints

from pipeline.contracts._fields import STRICT, Contract, Id, SchemaVersion, Score
from pipeline.contracts._timestamps import Timestamp

Status = Literal["acknowledged", "resolved", "reopened", "closed"]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class ComplaintUpdate(Contract):
    model_config = STRICT
    SCHEMA_VERSION: ClassVar[int] = 1  # the newest version of this contract the worker knows

    complaint_id: Id
    ts: Timestamp
    status: Status
    agent_id: Id | None = None
    recovery_score: Score | None = None  # the customer's satisfaction with the recovery, 1–5
    note: Note | None = None
    schema_version: SchemaVersion = 1

    @property
    def key(self) -> str:
        return update_key(self.complaint_id, self.status, self.ts)


def update_key(complaint_id: str, status: str, ts: datetime) -> str:
    """An update's identity: the same step of the same complaint at the same moment. The
    warehouse's complaint_updates_keys_mv (migration 0005) computes the same in SQL."""
    return f"{complaint_id}|{status}|{int(ts.timestamp() * 1000)}"
