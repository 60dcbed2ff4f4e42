"""The dashboards as one static HTML page: the same panels from the same SQL, drawn with
Plotly (its script inlined, so the page works offline and can be mailed)."""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import orjson
import plotly.graph_objects as go
from clickhouse_connect.driver.client import Client
from plotly.offline import get_plotlyjs

from pipeline.panels.run import PanelResult
from pipeline.panels.spec import Dashboard

MAX_TABLE_ROWS = 200

# After each chart is drawn, the page notes how many data points it holds, so a headless
# browser (and a curious reader) can tell a drawn chart from an empty one.
_MARK_DRAWN = """
function gapwatchPoints(gd) {
  return gd.data.reduce(function (n, t) {
    if (t.type === 'table') return n + (t.cells.values[0] || []).length;
    if (t.type === 'indicator') return n + (t.value === null || isNaN(t.value) ? 0 : 1);
    return n + (t.y || []).filter(function (v) { return v !== null; }).length;
  }, 0);
}
document.querySelectorAll('.chart').forEach(function (el) {
  var figure = JSON.parse(el.dataset.figure);
  Plotly.newPlot(el, figure.data, figure.layout, {displaylogo: false, responsive: true})
    .then(function (gd) { el.dataset.points = gapwatchPoints(gd); });
});
"""

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1f2933; background: #f5f7fa; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #cbd2d9; }
.meta { color: #616e7c; }
.grid { display: grid; grid-template-columns: repeat(24, 1fr); gap: 0.8rem; }
.panel { background: white; border-radius: 6px; padding: 0.6rem; box-shadow: 0 1px 2px #0002; }
.panel h3 { margin: 0 0 0.2rem; font-size: 1rem; } .panel p { margin: 0; color: #616e7c;
font-size: 0.85rem; } .empty { color: #b44; padding: 2rem 0; text-align: center; }
"""


def _number_format(unit: str) -> str:
    return ".1%" if unit == "percentunit" else ",.2f"


def _is_text(values: list) -> bool:
    return any(isinstance(v, str) for v in values)


def figure(result: PanelResult) -> go.Figure:
    panel, columns = result.panel, result.columns
    data = {c: [row[i] for row in result.rows] for i, c in enumerate(columns)}
    fig = go.Figure()
    if panel.kind == "timeseries":
        labels = [c for c in columns[1:] if _is_text(data[c])]
        values = [c for c in columns[1:] if c not in labels]
        series: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
        for i, moment in enumerate(data[columns[0]]):
            for value in values:
                name = " ".join(str(data[c][i]) for c in labels) or value
                name = name if len(values) == 1 else f"{name} {value}"
                series[name][0].append(moment)
                series[name][1].append(data[value][i])
        for name, (xs, ys) in sorted(series.items()):
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    name=name,
                    mode="lines" if len(xs) > 30 else "lines+markers",
                    stackgroup="one" if panel.stacked else None,
                )
            )
        fig.update_yaxes(tickformat=".0%" if panel.unit == "percentunit" else None)
    elif panel.kind == "barchart":
        for value in columns[1:]:
            fig.add_trace(go.Bar(x=[str(v) for v in data[columns[0]]], y=data[value], name=value))
        fig.update_layout(barmode="stack" if panel.stacked else "group")
    elif panel.kind == "stat":
        row = result.rows[0] if result.rows else (None,) * len(columns)
        for i, (name, value) in enumerate(zip(columns, row, strict=True)):
            fig.add_trace(
                go.Indicator(
                    mode="number",
                    value=None if value is None else float(value),
                    title={"text": name},
                    number={"valueformat": _number_format(panel.unit)},
                    domain={"row": 0, "column": i},
                )
            )
        fig.update_layout(grid={"rows": 1, "columns": len(columns)})
    else:
        shown = result.rows[:MAX_TABLE_ROWS]
        cells = [[_cell(row[i]) for row in shown] for i in range(len(columns))]
        fig.add_trace(go.Table(header={"values": list(columns)}, cells={"values": cells}))
    fig.update_layout(
        height=panel.height * 36,
        margin={"l": 40, "r": 10, "t": 10, "b": 30},
        legend={"orientation": "h"},
        template="plotly_white",
    )
    return fig


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value) if value is not None else ""


def _panel_html(result: PanelResult) -> str:
    panel = result.panel
    head = f"<h3>{html.escape(panel.title)}</h3><p>{html.escape(panel.description)}</p>" + (
        f"<p>first {MAX_TABLE_ROWS} of {len(result.rows)} rows</p>"
        if panel.kind == "table" and len(result.rows) > MAX_TABLE_ROWS
        else ""
    )
    if result.rows:
        spec = orjson.dumps(figure(result).to_plotly_json(), option=orjson.OPT_SERIALIZE_NUMPY)
        body = f'<div class="chart" data-figure="{html.escape(spec.decode())}"></div>'
    else:
        body = '<div class="empty">no data in this range</div>'
    return (
        f'<section class="panel" style="grid-column: span {panel.width}" '
        f'data-panel-id="{result.panel_id}" data-rows="{len(result.rows)}">{head}{body}</section>'
    )


def render(
    dashboards: list[tuple[Dashboard, list[PanelResult]]], since: datetime, until: datetime
) -> str:
    parts = []
    for dashboard, results in dashboards:
        by_panel = {id(r.panel): r for r in results}
        parts.append(f"<h1>{html.escape(dashboard.title)}</h1>")
        parts.append(f'<p class="meta">{html.escape(dashboard.description)}</p>')
        for section in dashboard.sections:
            parts.append(f"<h2>{html.escape(section.title)}</h2><div class='grid'>")
            parts.extend(_panel_html(by_panel[id(p)]) for p in section.panels)
            parts.append("</div>")
    title = f"GapWatch report {since:%Y-%m-%d %H:%M} – {until:%Y-%m-%d %H:%M} UTC"
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{_STYLE}</style><script>{get_plotlyjs()}</script></head><body>"
        f"<p class='meta'>{title}</p>{''.join(parts)}<script>{_MARK_DRAWN}</script></body></html>"
    )


def write_report(client: Client, infra: Path, since: datetime, until: datetime, out: Path) -> int:
    """Run every dashboard's panels over [since, until] and write the page; return the
    number of panels that had data."""
    from pipeline.panels.generate import dashboards
    from pipeline.panels.run import run_dashboard
    from pipeline.panels.sql import TimeRange

    window = TimeRange.of(since, until)
    results = [(d, run_dashboard(client, d, window)) for d in dashboards(infra)]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(results, since, until), encoding="utf-8")
    return sum(1 for _, rs in results for r in rs if r.rows)
