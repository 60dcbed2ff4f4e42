"""Field types shared by the contracts."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

# Strict: "4" is not a score and 4.0 is not an integer. Unknown fields are carried along in
# model_extra, so a producer can add a field before the worker knows it (evolution.py).
STRICT = ConfigDict(strict=True, extra="allow", frozen=True)

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Channel = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]

Score = Annotated[int, Field(ge=1, le=5)]
ServqualScore = Annotated[int, Field(ge=1, le=7)]
# The version of its contract a message was written against; stored as UInt16.
SchemaVersion = Annotated[int, Field(ge=1, le=65535)]
