"""The ``gapwatch`` command: one group, subcommands by audience."""

from pipeline.cli import alerts, analyst, bench, grafana, report, stack, warehouse  # noqa: F401  (they register subcommands)
from pipeline.cli._root import main

__all__ = ["main"]
