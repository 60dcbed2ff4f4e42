"""The sink contract: ``add`` rows as they come, ``flush`` just before offsets are committed."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Protocol

Row = Sequence[object]


class Sink(Protocol):
    def add(self, row: Row) -> None: ...

    def flush(self) -> int:
        """Write everything added so far; return only once it is durable, else raise.

        Returns how many rows were new (a sink may skip rows it already holds).
        """
        ...


class BatchingSink(ABC):
    """Buffers rows and writes them as one batch; a failed write keeps the buffer."""

    def __init__(self) -> None:
        self._buffer: list[Row] = []

    def add(self, row: Row) -> None:
        self._buffer.append(row)

    def __len__(self) -> int:
        return len(self._buffer)

    def flush(self) -> int:
        if not self._buffer:
            return 0
        written = self.write(self._buffer)
        self._buffer = []
        return written

    @abstractmethod
    def write(self, rows: list[Row]) -> int:
        """Write one batch durably or raise; return how many rows were new."""


class ListSink(BatchingSink):
    """Keeps flushed rows in memory: for tests and dry runs."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[Row]] = []

    def write(self, rows: list[Row]) -> int:
        self.batches.append(list(rows))
        return len(rows)

    @property
    def rows(self) -> list[Row]:
        return [row for batch in self.batches for row in batch]
