"""What the command line shows: a progress bar with an estimate of the time left, and plain
tables of results."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
from rich.table import Table

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


def table(
    columns: Sequence[str], rows: Sequence[Sequence[object]], title: str | None = None
) -> Table:
    out = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        out.add_column(column)
    for row in rows:
        out.add_row(*("" if v is None else str(v) for v in row))
    return out
