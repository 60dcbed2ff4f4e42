"""A block: the exact bytes one insert sends, and its deduplication token.

The same block, re-sent with the same token, is dropped by ClickHouse wherever it had
already landed (the table, and each materialized view on its own) and written wherever it
had not. That is what makes a retry after a kill exact: the ledger keeps the block, so the
retry sends the same bytes, whatever the retrying worker's batches look like.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import orjson
from clickhouse_connect.driver.client import Client

from pipeline.warehouse.errors import WriteError, classify

FORMAT = "JSONCompactEachRow"
# Timestamps travel as RFC 3339 text (an integer epoch in ms would be read as seconds).
_SETTINGS = {
    "deduplicate_blocks_in_dependent_materialized_views": 1,
    "date_time_input_format": "best_effort",
}


@dataclass(frozen=True)
class Block:
    table: str
    columns: tuple[str, ...]
    token: str
    lines: tuple[bytes, ...]  # one JSON array per row, in column order

    @property
    def payload(self) -> bytes:
        return b"\n".join(self.lines)

    @classmethod
    def from_payload(cls, table: str, columns: Sequence[str], token: str, payload: bytes) -> Block:
        return cls(table, tuple(columns), token, tuple(payload.split(b"\n")) if payload else ())


@dataclass(frozen=True)
class Refused:
    """A row the warehouse refused for what it holds: index into the block, and why."""

    index: int
    error: WriteError


def encode(rows: Sequence[Sequence[object]]) -> tuple[list[bytes], list[Refused]]:
    """Each row as one JSON array; a row that cannot be encoded is refused, not raised."""
    lines, refused = [], []
    for i, row in enumerate(rows):
        try:
            lines.append(orjson.dumps(row, default=_as_array, option=orjson.OPT_NAIVE_UTC))
        except (TypeError, orjson.JSONEncodeError) as exc:
            lines.append(b"")
            refused.append(Refused(i, classify(TypeError(f"row cannot be encoded: {exc}"))))
    return lines, refused


def _as_array(value: object) -> list[object]:
    """Rows are NamedTuples (pipeline.warehouse.tables), which orjson does not take as arrays."""
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def token_for(table: str, keys: Sequence[str]) -> str:
    """The same rows give the same token, whatever order or batch they came in."""
    return hashlib.sha256("\n".join([table, *sorted(keys)]).encode()).hexdigest()


def insert(
    client: Client, block: Block, *, on_split: Callable[[str], None] | None = None
) -> list[Refused]:
    """Insert the block; rows the warehouse refuses for their data are set aside.

    A data error splits the block in halves, each with a token derived from the block's,
    until the refused rows stand alone: the same block always splits the same way, so a
    retry finds every half it had written. Transient errors propagate to the caller, who
    retries the whole block (the halves already written are then dropped as duplicates).
    """
    present = [i for i, line in enumerate(block.lines) if line]
    return _insert_range(client, block, present, block.token, on_split)


def _insert_range(
    client: Client,
    block: Block,
    indices: list[int],
    token: str,
    on_split: Callable[[str], None] | None,
) -> list[Refused]:
    if not indices:
        return []
    try:
        client.raw_insert(
            block.table,
            list(block.columns),
            insert_block=b"\n".join(block.lines[i] for i in indices),
            fmt=FORMAT,
            settings={**_SETTINGS, "insert_deduplication_token": token},
        )
        return []
    except Exception as exc:
        error = classify(exc)
        if error.kind != "data":
            raise
        if len(indices) == 1:
            return [Refused(indices[0], error)]
        if on_split is not None:
            on_split(str(error))
    half = len(indices) // 2
    return _insert_range(client, block, indices[:half], f"{token}/0", on_split) + _insert_range(
        client, block, indices[half:], f"{token}/1", on_split
    )
