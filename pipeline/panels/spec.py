"""Dashboards as data: each panel is its SQL, the columns it returns and how it is drawn.

One definition feeds Grafana's JSON (grafana.py), the alert rules, the proof on chDB and
the static HTML report, so what the wall screen shows is what the tests have run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["timeseries", "stat", "barchart", "table"]

# Grafana's own colour names, from the lowest value up.
Thresholds = tuple[tuple[float | None, str], ...]

_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}")


@dataclass(frozen=True)
class Panel:
    title: str
    kind: Kind
    sql: str
    columns: tuple[str, ...]  # what the SQL returns, in order; time first for a time series
    description: str
    unit: str = "short"  # a Grafana unit: percentunit, short, m (minutes)…
    thresholds: Thresholds = ()
    stacked: bool = False
    width: int = 12
    height: int = 8

    @property
    def variables(self) -> set[str]:
        return set(_VARIABLE.findall(self.sql))


@dataclass(frozen=True)
class Section:
    title: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class Variable:
    """A multi-value dashboard variable; its query returns one column of values."""

    name: str
    label: str
    sql: str


@dataclass(frozen=True)
class Annotation:
    """Events drawn across every time series: columns time, timeEnd, text, tags."""

    name: str
    sql: str
    columns: tuple[str, ...] = ("time", "timeEnd", "text", "tags")


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    sections: tuple[Section, ...]
    variables: tuple[Variable, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    time_from: str = "now-24h"
    refresh: str = "30s"
    tags: tuple[str, ...] = field(default=("gapwatch",))

    def panels(self) -> Iterator[tuple[int, Panel]]:
        """Every panel with its id: ids follow the order of the sections, from 1."""
        n = 0
        for section in self.sections:
            for panel in section.panels:
                n += 1
                yield n, panel
