"""What `gapwatch bench peers` found: each run's figures, each system's runs, the report,
and the exact-count check that turns a wrong count into an error."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.bench.peer_job import Progress


@dataclass
class Run:
    """One system in one round. rate: events/s from the first block's insert to the last's
    (their ingested_at), start-up left out."""

    rate: float | None = None
    cpu_us: float | None = None  # CPU time per event over the same window, all threads
    startup_s: float | None = None  # launch → first message (Kafka engine: first rows)
    error: str | None = None


@dataclass
class System:
    name: str
    contract: str  # a key of pipeline.bench.peer_job.JOBS
    events: int
    runs: list[Run] = field(default_factory=list)

    def rates(self) -> list[float]:
        return [r.rate for r in self.runs if r.rate is not None and r.error is None]

    def median(self, of: Callable[[Run], float | None]) -> float | None:
        values = [v for r in self.runs if r.error is None and (v := of(r)) is not None]
        return statistics.median(values) if values else None

    @property
    def errors(self) -> list[str]:
        return list(dict.fromkeys(r.error for r in self.runs if r.error))


@dataclass
class PeersReport:
    events: int
    rounds: int
    systems: list[System] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def ratio(self, system: System) -> float | None:
        """Against the worker doing the same job."""
        same = next(s for s in self.systems if s.contract == system.contract)
        worker = same.median(lambda r: r.rate)
        mine = system.median(lambda r: r.rate)
        return mine / worker if worker and mine else None


def checked(run: Run, progress: Progress, rows: int, distinct: int, launched: float) -> Run:
    """The run's figures from what it recorded; a count that is not exactly every event is
    the run's error, never a silent number."""
    if progress.rejected:
        run.error = f"{len(progress.rejected):,} events refused, first: {progress.rejected[0]}"
    elif rows != progress.expected or distinct != progress.expected:
        run.error = (
            f"count mismatch: {rows:,} rows ({distinct:,} distinct event_id) "
            f"for {progress.expected:,} events produced"
        )
    first = progress.first_message_at or progress.first_rows_at
    run.startup_s = None if first is None else first - launched
    p = progress
    if p.blocks is not None:
        # From the first block's insert to the last's: every block but the last was written
        # in between.
        start, end, last_rows = p.blocks
        if end > start:
            run.rate = (p.expected - last_rows) / (end - start)
    if p.first_rows_at is not None and p.done_at is not None and p.expected > p.first_rows:
        # CPU between the first rows seen and all of them (the process's own clock).
        run.cpu_us = (p.done_cpu - p.first_cpu) / (p.expected - p.first_rows) * 1e6
    return run
