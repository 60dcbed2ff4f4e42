"""The ``gapwatch`` command: one group, subcommands by audience."""

from pipeline.cli import (  # noqa: F401  (they register subcommands)
    alerts,
    analyst,
    bench,
    classifier,
    dead_letters,
    grafana,
    report,
    stack,
    stores,
    warehouse,
)
from pipeline.cli._root import main

__all__ = ["main"]
