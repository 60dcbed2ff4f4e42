"""The dashboards as one static HTML page: the same panels from the same SQL, charts drawn
with Plotly (its script inlined, so the page works offline and can be mailed), tables and
stats as plain HTML, every time in the configured time zone."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
from clickhouse_connect.driver.client import Client
from plotly.offline import get_plotlyjs

from pipeline.panels.charts import figure
from pipeline.panels.fields import field
from pipeline.panels.formatting import NO_DATA, display, is_missing, local, zone_label
from pipeline.panels.run import PanelResult
from pipeline.panels.spec import DEFAULT_TIMEZONE, Dashboard, Thresholds
from pipeline.panels.sql import TimeRange

MAX_TABLE_ROWS = 50

# After each chart is drawn, the page notes on it how many data points it holds, where its
# plot area is on the page and its axis ranges, so a headless browser (and a curious reader)
# can tell a drawn chart from an empty one and find it on a screenshot.
_MARK_DRAWN = """
function gapwatchPoints(gd) {
  return gd.data.reduce(function (n, t) {
    return n + (t.y || []).filter(function (v) { return v !== null; }).length;
  }, 0);
}
var charts = Array.prototype.slice.call(document.querySelectorAll('.chart'));
Promise.all(charts.map(function (el) {
  var figure = JSON.parse(el.dataset.figure);
  return Plotly.newPlot(el, figure.data, figure.layout, {displayModeBar: false, responsive: true});
})).then(function (drawn) {
  drawn.forEach(function (gd) {
    var box = gd.getBoundingClientRect(), size = gd._fullLayout._size;
    gd.dataset.points = gapwatchPoints(gd);
    gd.dataset.plot = JSON.stringify([box.left + window.scrollX + size.l,
                                      box.top + window.scrollY + size.t, size.w, size.h]);
    gd.dataset.yrange = JSON.stringify(gd._fullLayout.yaxis.range);
    gd.dataset.xrange = JSON.stringify(gd._fullLayout.xaxis.range);
  });
  document.body.dataset.height = document.documentElement.scrollHeight;
  document.body.dataset.drawn = drawn.length;
});
"""

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1f2933; background: #f5f7fa; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #cbd2d9; }
.meta { color: #616e7c; }
.grid { display: grid; grid-template-columns: repeat(24, 1fr); gap: 0.8rem; }
.panel { background: white; border-radius: 6px; padding: 0.6rem; box-shadow: 0 1px 2px #0002;
         min-width: 0; overflow-x: auto; }
.panel h3 { margin: 0 0 0.2rem; font-size: 1rem; }
.panel p { margin: 0; color: #616e7c; font-size: 0.85rem; }
.empty { color: #7b8794; padding: 2rem 0; text-align: center; font-style: italic; }
table.data { border-collapse: collapse; width: 100%; font-size: 0.85rem; margin-top: 0.4rem; }
table.data th { text-align: left; vertical-align: bottom; border-bottom: 2px solid #cbd2d9;
                padding: 0.25rem 0.5rem; white-space: normal; }
table.data td { border-bottom: 1px solid #e4e7eb; padding: 0.2rem 0.5rem; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; }
.stats { display: flex; gap: 0.6rem; margin-top: 0.4rem; }
.stat { flex: 1; border-radius: 4px; padding: 0.8rem; color: white; text-align: center; }
.stat .value { font-size: 2rem; font-weight: 600; } .stat .name { font-size: 0.85rem; }
.stat.none { background: #e4e7eb; color: #52606d; } .stat.none .value { font-size: 1.2rem; }
"""

# Grafana's colour names as Grafana draws them.
_COLOURS = {"green": "#37872d", "orange": "#e0752d", "red": "#c4162a", "blue": "#1f60c4"}


def has_data(result: PanelResult) -> bool:
    """A panel has data when a measure has a value: rows of NULLs say nothing was measured."""
    measures = [result.columns.index(c) for c in result.panel.values]
    if result.panel.kind == "table":
        return bool(result.rows)
    return any(not is_missing(row[i]) for row in result.rows for i in measures)


def _colour(value: float, thresholds: Thresholds) -> str:
    colour = "blue"
    for step, name in thresholds:
        if step is None or value >= step:
            colour = name
    return _COLOURS.get(colour, colour)


def _stat(result: PanelResult, zone: ZoneInfo) -> str:
    row = result.rows[0] if result.rows else (None,) * len(result.columns)
    boxes = []
    for column, value in zip(result.columns, row, strict=True):
        meaning = field(column)
        name = html.escape(meaning.title)
        if is_missing(value):
            boxes.append(
                f'<div class="stat none"><div class="value">{NO_DATA}</div>'
                f'<div class="name">{name}</div></div>'
            )
            continue
        colour = _colour(float(value), result.panel.thresholds)
        shown = html.escape(display(value, meaning.kind, zone))
        boxes.append(
            f'<div class="stat" style="background: {colour}" data-value="{shown}">'
            f'<div class="value">{shown}</div><div class="name">{name}</div></div>'
        )
    return f'<div class="stats">{"".join(boxes)}</div>'


def _table(result: PanelResult, zone: ZoneInfo) -> str:
    kinds = [field(c).kind for c in result.columns]
    numeric = ["" if k in ("text", "time", "date") else ' class="num"' for k in kinds]
    head = "".join(
        f"<th{n}>{html.escape(field(c).title)}</th>"
        for c, n in zip(result.columns, numeric, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{n}>{html.escape(display(v, k, zone))}</td>"
            for v, k, n in zip(row, kinds, numeric, strict=True)
        )
        + "</tr>"
        for row in result.rows[:MAX_TABLE_ROWS]
    )
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _chart(result: PanelResult, window: TimeRange, zone: ZoneInfo) -> str:
    spec = figure(result, window, zone).to_plotly_json()
    data = orjson.dumps(spec, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    return f'<div class="chart" data-figure="{html.escape(data)}"></div>'


def _panel_html(result: PanelResult, window: TimeRange, zone: ZoneInfo) -> str:
    panel = result.panel
    head = f"<h3>{html.escape(panel.title)}</h3><p>{html.escape(panel.description)}</p>" + (
        f"<p>first {MAX_TABLE_ROWS} of {len(result.rows)} rows</p>"
        if panel.kind == "table" and len(result.rows) > MAX_TABLE_ROWS
        else ""
    )
    if not has_data(result):
        body = f'<div class="empty">{NO_DATA}</div>'
    elif panel.kind == "table":
        body = _table(result, zone)
    elif panel.kind == "stat":
        body = _stat(result, zone)
    else:
        body = _chart(result, window, zone)
    return (
        f'<section class="panel" style="grid-column: span {panel.width}" '
        f'data-panel-id="{result.panel_id}" data-kind="{panel.kind}" '
        f'data-rows="{len(result.rows)}">{head}{body}</section>'
    )


def render(
    dashboards: list[tuple[Dashboard, list[PanelResult]]],
    window: TimeRange,
    timezone: str = DEFAULT_TIMEZONE,
) -> str:
    zone, since, until = ZoneInfo(timezone), window.since, window.until
    parts = []
    for dashboard, results in dashboards:
        by_panel = {id(r.panel): r for r in results}
        parts.append(f"<h1>{html.escape(dashboard.title)}</h1>")
        parts.append(f'<p class="meta">{html.escape(dashboard.description)}</p>')
        for section in dashboard.sections:
            parts.append(f"<h2>{html.escape(section.title)}</h2><div class='grid'>")
            parts.extend(_panel_html(by_panel[id(p)], window, zone) for p in section.panels)
            parts.append("</div>")
    title = (
        f"GapWatch report {local(since, zone):%Y-%m-%d %H:%M} – "
        f"{local(until, zone):%Y-%m-%d %H:%M} ({zone_label(zone, until)})"
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{_STYLE}</style><script>{get_plotlyjs()}</script></head><body>"
        f"<p class='meta'>{title}</p>{''.join(parts)}<script>{_MARK_DRAWN}</script></body></html>"
    )


def write_report(
    client: Client,
    infra: Path,
    since: datetime,
    until: datetime,
    out: Path,
    timezone: str = DEFAULT_TIMEZONE,
) -> int:
    """Run every dashboard's panels over [since, until] and write the page; return the
    number of panels that had data."""
    from pipeline.panels.generate import dashboards
    from pipeline.panels.run import run_dashboard

    window = TimeRange.of(since, until)
    results = [(d, run_dashboard(client, d, window)) for d in dashboards(infra, timezone)]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(results, window, timezone), encoding="utf-8")
    return sum(1 for _, rs in results for r in rs if has_data(r))
