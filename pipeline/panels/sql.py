"""The ClickHouse datasource's macros and our dashboard variables, expanded as Grafana's
ClickHouse plugin expands them, so panel SQL runs outside Grafana: on chDB, in the tests
and in the HTML report."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

_FUNCTION_MACRO = re.compile(r"\$__(timeFilter|timeInterval)\(([^)]*)\)")
_VALUE_MACRO = re.compile(r"\$__(fromTime|toTime|interval_s)\b")
_VARIABLE = re.compile(r"\$\{(\w+)(?::(\w+))?\}")
_NICE_SECONDS = (60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400)


class ExpansionError(ValueError):
    """Panel SQL uses a macro, variable or format that cannot be expanded."""


@dataclass(frozen=True)
class TimeRange:
    since: datetime
    until: datetime
    interval_s: int

    @classmethod
    def of(cls, since: datetime, until: datetime, points: int = 300) -> TimeRange:
        """Grafana picks an interval from the range and the panel's width; ours aims at
        about `points` points, never finer than the minute rollups."""
        wanted = (until - since).total_seconds() / points
        interval = next((s for s in _NICE_SECONDS if s >= wanted), math.ceil(wanted))
        return cls(since, until, interval)

    def at_most(self, points: int) -> TimeRange:
        """The same range in at most `points` intervals, as Grafana's maxDataPoints does."""
        coarser = TimeRange.of(self.since, self.until, points)
        return coarser if coarser.interval_s > self.interval_s else self


def _datetime(moment: datetime) -> str:
    return f"toDateTime({int(moment.timestamp())})"


def expand(sql: str, window: TimeRange, variables: Mapping[str, Sequence[str]]) -> str:
    def function_macro(match: re.Match[str]) -> str:
        name, column = match.group(1), match.group(2).strip()
        if not column:
            raise ExpansionError(f"$__{name}() needs a column")
        if name == "timeFilter":
            return (
                f"{column} >= {_datetime(window.since)} AND {column} <= {_datetime(window.until)}"
            )
        return f"toStartOfInterval(toDateTime({column}), INTERVAL {window.interval_s} second)"

    def value_macro(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "interval_s":
            return str(window.interval_s)
        return _datetime(window.since if name == "fromTime" else window.until)

    def variable(match: re.Match[str]) -> str:
        name, fmt = match.group(1), match.group(2)
        if name not in variables:
            raise ExpansionError(f"variable ${{{name}}} is not defined")
        if fmt != "singlequote":
            raise ExpansionError(f"${{{name}:{fmt}}}: only :singlequote is used with SQL")
        values = variables[name]
        if not values:
            return "NULL"  # IN (NULL) matches nothing, as an empty selection should
        return ",".join("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values)

    out = _FUNCTION_MACRO.sub(function_macro, sql)
    out = _VALUE_MACRO.sub(value_macro, out)
    out = _VARIABLE.sub(variable, out)
    if "$" in out:
        raise ExpansionError(f"unexpanded macro or variable left in: {out[out.index('$') :][:40]}")
    return out
