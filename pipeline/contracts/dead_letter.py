"""``dead-letters``: a message we could not accept, with where it came from and why."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict


class DeadLetter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source_topic: str
    partition: int
    offset: int
    reason: str
    # The original value: as text when it is UTF-8, else base64 so nothing is lost.
    value: str
    value_encoding: Literal["utf-8", "base64"]
    received_at: datetime

    @classmethod
    def of(
        cls,
        raw: bytes | None,
        *,
        topic: str,
        partition: int,
        offset: int,
        reason: str,
        received_at: datetime,
    ) -> DeadLetter:
        data = raw or b""
        try:
            value, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            value, encoding = base64.b64encode(data).decode("ascii"), "base64"
        return cls(
            source_topic=topic,
            partition=partition,
            offset=offset,
            reason=reason,
            value=value,
            value_encoding=encoding,  # type: ignore[arg-type]
            received_at=received_at,
        )

    def original(self) -> bytes:
        if self.value_encoding == "base64":
            return base64.b64decode(self.value)
        return self.value.encode("utf-8")

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, raw: bytes) -> DeadLetter:
        return cls.model_validate_json(raw)
