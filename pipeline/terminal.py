"""What long work shows on a terminal: a progress bar with an estimate of the time left."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from pipeline.classifier.model import Progress as Report


@contextmanager
def training_bar(console: Console, title: str) -> Iterator[Report]:
    """A bar for `GapClassifier.fit`'s reports: the step it is on, the share done, the time
    spent and an estimate of the time left."""
    with Progress(
        TextColumn(f"{title}: [bold]{{task.description}}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("starting", total=1.0)

        def report(step: str, done: float) -> None:
            bar.update(task, description=step, completed=done)

        yield report
