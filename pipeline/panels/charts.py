"""Plotly figures of time-series and bar panels, with axes an ops person can trust at a glance:
shares on 0–100%, scores on 1–5, counts from zero in whole numbers, time over the whole
report range in the users' time zone."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from typing import SupportsFloat
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from pipeline.panels.fields import FIXED_RANGES, Kind, field, label
from pipeline.panels.formatting import is_missing, local
from pipeline.panels.run import PanelResult
from pipeline.panels.sql import TimeRange

PIXELS_PER_ROW = 36  # a Grafana grid row, so panel heights read the same in both

_TICKS: dict[str, str] = {
    "percent": ".0%",
    "points": "+.0%",
    "score": ".1f",
    "count": ",d",
    "rate": ",.2~f",
    "minutes": ",.1~f",
    "hours": ",.1~f",
    "number": ",.2~f",
}


def value_axis(kind: Kind, largest: float) -> dict:
    """The y axis of a kind of measure: fixed where the scale is known, from zero for counts
    and rates, whole-number ticks for small counts (no 0.5 of a message)."""
    axis: dict = {"tickformat": _TICKS[kind], "title": None}
    if kind in FIXED_RANGES:
        axis["range"] = list(FIXED_RANGES[kind])
        axis["autorange"] = False
    elif kind in ("count", "rate"):
        axis["rangemode"] = "tozero"
        if kind == "count" and largest <= 5:
            axis.update(range=[0, max(largest, 1) * 1.1], autorange=False, dtick=1)
    return axis


def _number(value: SupportsFloat | None) -> float | None:
    return None if value is None or is_missing(value) else float(value)


def _series(result: PanelResult, zone: ZoneInfo) -> dict[str, tuple[list, list]]:
    """Long rows (time, labels…, values…) as one series per label combination."""
    panel, columns = result.panel, result.columns
    at = {c: i for i, c in enumerate(columns)}
    series: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for row in result.rows:
        moment = local(row[0], zone)
        for value in panel.values:
            name = " ".join(label(row[at[c]]) for c in panel.labels) or field(value).title
            name = name if len(panel.values) == 1 else f"{name} {field(value).title}"
            series[name][0].append(moment)
            series[name][1].append(_number(row[at[value]]))
    return series


def _timeseries(fig: go.Figure, result: PanelResult, zone: ZoneInfo, interval_s: int) -> float:
    panel, largest = result.panel, 0.0
    for name, (xs, ys) in sorted(_series(result, zone).items()):
        largest = max([largest, *(y for y in ys if y is not None)])
        if panel.bars:
            # Each bar spans its interval from its start (a lone bar on a time axis would
            # otherwise be a millisecond wide: invisible).
            width = [interval_s * 1000 * 0.9] * len(xs)
            fig.add_trace(go.Bar(x=xs, y=ys, name=name, width=width, offset=0))
        else:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    name=name,
                    mode="lines" if len(xs) > 30 else "lines+markers",
                    stackgroup="one" if panel.stacked else None,
                    cliponaxis=False,
                )
            )
    if panel.bars:
        fig.update_layout(barmode="stack" if panel.stacked else "group")
    if panel.stacked:  # the axis must hold the stacked total, not the largest series
        totals: dict[datetime, float] = defaultdict(float)
        for trace in fig.data:
            for x, y in zip(trace.x, trace.y, strict=True):
                totals[x] += y or 0.0
        largest = max(totals.values(), default=0.0)
    return largest


def _barchart(fig: go.Figure, result: PanelResult) -> float:
    panel, columns = result.panel, result.columns
    at = {c: i for i, c in enumerate(columns)}
    categories = [label(row[at[panel.labels[0]]]) for row in result.rows]
    bars = [[_number(row[at[value]]) or 0.0 for row in result.rows] for value in panel.values]
    for value, ys in zip(panel.values, bars, strict=True):
        fig.add_trace(go.Bar(x=categories, y=ys, name=field(value).title))
    fig.update_layout(barmode="stack" if panel.stacked else "group")
    fig.update_xaxes(type="category", title=field(panel.labels[0]).title)
    if panel.stacked:  # the axis must hold each category's total
        return max((sum(column) for column in zip(*bars, strict=True)), default=0.0)
    return max((abs(y) for ys in bars for y in ys), default=0.0)


def bars_end(until: datetime, interval_s: int) -> datetime:
    """Where a bar axis ends: at the end of the interval holding ``until``, so the bar of
    the interval still running is drawn whole, not clipped to a sliver at the edge."""
    end = math.ceil(until.timestamp() / interval_s) * interval_s
    return datetime.fromtimestamp(end, until.tzinfo or UTC)


def figure(result: PanelResult, window: TimeRange, zone: ZoneInfo) -> go.Figure:
    """A time series or bar panel as a figure; time runs over the window in `zone` (the
    page's header names it)."""
    panel = result.panel
    fig = go.Figure()
    if panel.kind == "timeseries":
        largest = _timeseries(fig, result, zone, result.interval_s)
        until = bars_end(window.until, result.interval_s) if panel.bars else window.until
        fig.update_xaxes(
            type="date",
            range=[local(window.since, zone), local(until, zone)],
            autorange=False,
        )
    elif panel.kind == "barchart":
        largest = _barchart(fig, result)
    else:
        raise ValueError(f"{panel.title}: a {panel.kind} is not drawn as a chart")
    fig.update_yaxes(**value_axis(panel.value_kind, largest))
    fig.update_layout(
        showlegend=bool(panel.labels) or len(panel.values) > 1,  # a lone series keeps its name
        height=panel.height * PIXELS_PER_ROW,
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        legend={"orientation": "h", "y": -0.2},
        template="plotly_white",
    )
    return fig
