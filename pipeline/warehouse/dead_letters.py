"""Dead letters in the warehouse: which may be replayed, and which have been."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from clickhouse_connect.driver.client import Client

from pipeline.contracts.dead_letter import DeadLetter, Header

_REPLAYABLE = """
SELECT dead_letter_id, source_topic, partition, offset, reason, value, value_encoding,
       key, key_encoding, headers, received_at
FROM dead_letters
WHERE dead_letter_id NOT IN (SELECT dead_letter_id FROM dead_letter_replays)
  AND source_topic != 'dead-letters'
  AND positionCaseInsensitiveUTF8(reason, {reason:String}) > 0
  AND received_at >= {since:DateTime64(3)}
ORDER BY received_at, source_topic, partition, offset
LIMIT 1 BY dead_letter_id
LIMIT {limit:UInt32}
"""


@dataclass(frozen=True)
class Replayable:
    letter: DeadLetter

    @property
    def topic(self) -> str:
        return self.letter.source_topic


def replayable(client: Client, reason: str, since: datetime, limit: int) -> list[Replayable]:
    """Dead letters never replayed whose reason contains ``reason``, oldest first."""
    rows = client.query(
        _REPLAYABLE, parameters={"reason": reason, "since": since, "limit": limit}
    ).named_results()
    out = []
    for row in rows:
        headers = tuple(
            Header(
                name=h["name"] if isinstance(h, dict) else h[0],
                value_base64=h["value_base64"] if isinstance(h, dict) else h[1],
            )
            for h in row["headers"]
        )
        out.append(
            Replayable(
                DeadLetter(
                    dead_letter_id=row["dead_letter_id"],
                    source_topic=row["source_topic"],
                    partition=row["partition"],
                    offset=row["offset"],
                    reason=row["reason"],
                    value=row["value"],
                    value_encoding=row["value_encoding"],
                    key=row["key"],
                    key_encoding=row["key_encoding"] or "utf-8",
                    headers=headers,
                    received_at=row["received_at"],
                )
            )
        )
    return out


def record_replays(client: Client, replayed: list[Replayable]) -> None:
    if replayed:
        client.insert(
            "dead_letter_replays",
            [(r.letter.dead_letter_id, r.topic) for r in replayed],
            column_names=["dead_letter_id", "source_topic"],
        )
