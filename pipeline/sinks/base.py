"""The sink contract: ``add`` rows as they come, ``flush`` just before offsets are committed."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

Row = Sequence[object]


@dataclass
class Flushed:
    """What a flush did: rows new to the warehouse, and rows it refused for their data
    (each with the warehouse's reason), which the caller dead-letters."""

    written: int = 0
    refused: list[tuple[Row, str]] = field(default_factory=list)


class Sink(Protocol):
    def add(self, row: Row) -> None: ...

    def flush(self) -> Flushed:
        """Write everything added so far; return only once it is durable, else raise.

        A sink may skip rows it already holds (not counted as written) and refuse rows
        the warehouse will never take (returned, never retried)."""
        ...


class BatchingSink(ABC):
    """Buffers rows and writes them as one batch; a failed write keeps the buffer."""

    def __init__(self) -> None:
        self._buffer: list[Row] = []

    def add(self, row: Row) -> None:
        self._buffer.append(row)

    def __len__(self) -> int:
        return len(self._buffer)

    def flush(self) -> Flushed:
        if not self._buffer:
            return Flushed()
        flushed = self.write(self._buffer)
        self._buffer = []
        return flushed

    @abstractmethod
    def write(self, rows: list[Row]) -> Flushed:
        """Write one batch durably or raise."""


class ListSink(BatchingSink):
    """Keeps flushed rows in memory: for tests and dry runs."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[Row]] = []

    def write(self, rows: list[Row]) -> Flushed:
        self.batches.append(list(rows))
        return Flushed(written=len(rows))

    @property
    def rows(self) -> list[Row]:
        return [row for batch in self.batches for row in batch]
