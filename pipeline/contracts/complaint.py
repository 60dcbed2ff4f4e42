"""``complaints``: a complaint text, mostly Chinese, from a service desk, hotline or app."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import StringConstraints

from pipeline.contracts._fields import STRICT, Channel, Contract, Id, SchemaVersion
from pipeline.contracts._timestamps import Timestamp

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Complaint(Contract):
    model_config = STRICT
    SCHEMA_VERSION: ClassVar[int] = 1  # the newest version of this contract the worker knows

    complaint_id: Id
    ts: Timestamp
    store_id: Id
    channel: Channel
    text: Text
    customer_id: Id | None = None
    order_id: Id | None = None
    agent_id: Id | None = None  # the agent the complaint is about, when the desk knows it
    schema_version: SchemaVersion = 1

    @property
    def key(self) -> str:
        return self.complaint_id
