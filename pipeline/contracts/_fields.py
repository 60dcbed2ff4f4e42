"""Field types shared by the contracts, and what every input contract has."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Strict: "4" is not a score and 4.0 is not an integer. Unknown fields are carried along in
# model_extra, so a producer can add a field before the worker knows it (evolution.py).
STRICT = ConfigDict(strict=True, extra="allow", frozen=True)

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Channel = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]

Score = Annotated[int, Field(ge=1, le=5)]
ServqualScore = Annotated[int, Field(ge=1, le=7)]
# The version of its contract a message was written against; stored as UInt16.
SchemaVersion = Annotated[int, Field(ge=1, le=65535)]


class Contract(BaseModel):
    """An input contract (satisfaction event, complaint, complaint update): what decode() and
    the evolution rules read of one. It adds no field: each contract declares its own, in its
    own order, so the declarations below are for the type checker only."""

    SCHEMA_VERSION: ClassVar[int]  # the newest version of the contract this worker knows

    if TYPE_CHECKING:
        ts: datetime
        schema_version: int

        @property
        def key(self) -> str:
            """The message's identity: a second copy of it in a batch is a duplicate."""
            ...
