"""Dashboards as data: each panel is its SQL, the columns it returns and how it is drawn.

One definition feeds Grafana's JSON (grafana.py), the alert rules, the proof on chDB and
the static HTML report, so what the wall screen shows is what the tests have run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Literal

from pipeline.config import WebSettings
from pipeline.panels.fields import Kind as FieldKind
from pipeline.panels.fields import field

Kind = Literal["timeseries", "stat", "barchart", "table"]

# Grafana's own colour names, from the lowest value up.
Thresholds = tuple[tuple[float | None, str], ...]

DEFAULT_TIMEZONE = WebSettings.timezone
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}")


@dataclass(frozen=True)
class Panel:
    title: str
    kind: Kind
    sql: str
    columns: tuple[str, ...]  # what the SQL returns, in order; time first for a time series
    description: str
    thresholds: Thresholds = ()
    stacked: bool = False
    # Counts per interval are drawn as bars: one interval with data is a bar, not a lost dot.
    bars: bool = False
    width: int = 12
    height: int = 8

    @property
    def variables(self) -> set[str]:
        return set(_VARIABLE.findall(self.sql))

    @property
    def max_points(self) -> int | None:
        """Bars need room: at most 60 intervals, so each is wide enough to see; lines take
        the dashboard's interval."""
        return 60 if self.bars else None

    @property
    def labels(self) -> tuple[str, ...]:
        """Columns that name a series or a category (text), time excluded."""
        return tuple(c for c in self.columns if field(c).kind == "text")

    @property
    def values(self) -> tuple[str, ...]:
        """Columns with the measures, in order."""
        return tuple(c for c in self.columns if field(c).kind not in ("text", "time", "date"))

    @property
    def value_kind(self) -> FieldKind:
        """The kind of the panel's measures: one per panel, so one axis fits them all."""
        kinds = {field(c).kind for c in self.values}
        if len(kinds) != 1:
            raise ValueError(f"{self.title}: measures of several kinds {sorted(kinds)}")
        return kinds.pop()


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
    tags: tuple[str, ...] = dataclass_field(default=("gapwatch",))
    timezone: str = DEFAULT_TIMEZONE  # an IANA zone; Grafana shows times in it

    def panels(self) -> Iterator[tuple[int, Panel]]:
        """Every panel with its id: ids follow the order of the sections, from 1."""
        n = 0
        for section in self.sections:
            for panel in section.panels:
                n += 1
                yield n, panel
