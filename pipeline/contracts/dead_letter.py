"""``dead-letters``: a message we could not accept, with where it came from and why.

A dead letter's identity must not repeat: offsets start again at 0 on a new broker or a
recreated topic, so the id hashes the cluster, the position, the record's own timestamp and
its bytes. The original key and headers are kept, so a replay sends the message as it came.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict

# A replayed message carries the id of the dead letter it came from in this header.
REPLAY_HEADER = "gapwatch-replay-of"
Encoding = Literal["utf-8", "base64"]


class Header(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    value_base64: str

    def raw(self) -> bytes:
        return base64.b64decode(self.value_base64)


class DeadLetter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source_topic: str
    partition: int
    offset: int
    reason: str
    # The original value: as text when it is UTF-8, else base64 so nothing is lost.
    value: str
    value_encoding: Encoding
    received_at: datetime
    # Records written before dead letters had ids are read with these defaults.
    dead_letter_id: str = ""
    cluster_id: str = ""
    key: str | None = None
    key_encoding: Encoding = "utf-8"
    headers: tuple[Header, ...] = ()
    timestamp: datetime | None = None  # the record's own Kafka timestamp
    replay_of: str = ""

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
        cluster_id: str = "",
        key: bytes | None = None,
        headers: Sequence[tuple[str, bytes]] = (),
        timestamp: datetime | None = None,
    ) -> DeadLetter:
        data = raw or b""
        value, encoding = _text(data)
        key_text: str | None
        key_encoding: Encoding
        key_text, key_encoding = _text(key) if key is not None else (None, "utf-8")
        kept = tuple(
            Header(name=name, value_base64=base64.b64encode(v or b"").decode("ascii"))
            for name, v in headers
        )
        replay_of = next(
            (h.raw().decode("utf-8", "replace") for h in kept if h.name == REPLAY_HEADER), ""
        )
        return cls(
            dead_letter_id=(
                # A replay that fails again: one dead letter however often it was sent.
                replay_identity(replay_of)
                if replay_of
                else identity(cluster_id, topic, partition, offset, timestamp, data)
            ),
            source_topic=topic,
            cluster_id=cluster_id,
            partition=partition,
            offset=offset,
            reason=reason,
            value=value,
            value_encoding=encoding,
            key=key_text,
            key_encoding=key_encoding,
            headers=kept,
            timestamp=timestamp,
            replay_of=replay_of,
            received_at=received_at,
        )

    @property
    def id(self) -> str:
        """The stored identity; records from before ids existed fall back to the position."""
        return self.dead_letter_id or f"{self.source_topic}:{self.partition}:{self.offset}"

    def original(self) -> bytes:
        return _bytes(self.value, self.value_encoding)

    def original_key(self) -> bytes | None:
        return None if self.key is None else _bytes(self.key, self.key_encoding)

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, raw: bytes) -> DeadLetter:
        letter = cls.model_validate_json(raw)
        return (
            letter
            if letter.dead_letter_id
            else letter.model_copy(update={"dead_letter_id": letter.id})
        )


def identity(
    cluster_id: str,
    topic: str,
    partition: int,
    offset: int,
    timestamp: datetime | None,
    value: bytes,
) -> str:
    """Cluster, position, the record's timestamp and its bytes: a new broker, a recreated
    topic or a replay gives a new id; the same record seen twice gives the same one."""
    stamp = "" if timestamp is None else str(int(timestamp.timestamp() * 1000))
    head = f"{cluster_id}\n{topic}\n{partition}\n{offset}\n{stamp}\n".encode()
    return hashlib.sha256(head + value).hexdigest()[:32]


def replay_identity(replayed: str) -> str:
    return hashlib.sha256(f"replay\n{replayed}".encode()).hexdigest()[:32]


def _text(data: bytes) -> tuple[str, Encoding]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"


def _bytes(text: str, encoding: Encoding) -> bytes:
    return base64.b64decode(text) if encoding == "base64" else text.encode("utf-8")
