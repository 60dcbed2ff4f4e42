"""Dashboards as Grafana JSON models for the grafana-clickhouse-datasource plugin (v4)."""

from __future__ import annotations

from pipeline.panels.fields import FIXED_RANGES, GRAFANA_UNITS, Kind, field
from pipeline.panels.spec import Dashboard, Panel, Thresholds

DATASOURCE_UID = "gapwatch-clickhouse"  # as in infra/grafana/provisioning/datasources
DATASOURCE_TYPE = "grafana-clickhouse-datasource"
DATASOURCE = {"type": DATASOURCE_TYPE, "uid": DATASOURCE_UID}
FOLDER_UID, FOLDER_TITLE = "gapwatch", "GapWatch"
SCHEMA_VERSION = 39
NO_DATA = "No data yet"  # an empty stat or table says so, rather than showing 0
_ROW_IDS_FROM = 1000  # row headers get ids apart from the panels'


def target(sql: str, time_series: bool, ref_id: str = "A") -> dict:
    """A raw-SQL query of the ClickHouse plugin; format 0 is time series, 1 is a table."""
    return {
        "refId": ref_id,
        "datasource": DATASOURCE,
        "editorType": "sql",
        "queryType": "timeSeries" if time_series else "table",
        "format": 0 if time_series else 1,
        "rawSql": sql.strip(),
    }


def _thresholds(steps: Thresholds) -> dict:
    steps = steps or ((None, "green"),)
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for v, c in steps]}


def _options(panel: Panel) -> dict:
    stacking = "normal" if panel.stacked else "none"
    if panel.kind == "stat":
        return {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "background",
            "graphMode": "none",
            "textMode": "value_and_name",
        }
    if panel.kind == "barchart":
        return {"stacking": stacking, "showValue": "auto", "legend": {"showLegend": True}}
    if panel.kind == "table":
        return {"showHeader": True, "cellHeight": "sm"}
    return {"legend": {"showLegend": True, "displayMode": "list", "placement": "bottom"}}


def _measure(kind: Kind) -> dict:
    """Unit, decimals and, for shares and scores, the fixed range of a kind of measure."""
    if kind not in GRAFANA_UNITS:
        return {}
    unit, decimals = GRAFANA_UNITS[kind]
    out: dict = {"unit": unit, "decimals": decimals}
    if kind in FIXED_RANGES:
        out["min"], out["max"] = FIXED_RANGES[kind]
    elif kind in ("count", "rate"):
        out["min"] = 0
    return out


def _override(column: str, properties: dict) -> dict:
    return {
        "matcher": {"id": "byName", "options": column},
        "properties": [{"id": k, "value": v} for k, v in properties.items()],
    }


def _series_name(panel: Panel) -> str:
    """A time series' legend: its labels' values (S001, app…), or the measure's title."""
    if panel.labels:
        return " ".join(f"${{__field.labels.{label}}}" for label in panel.labels)
    return field(panel.values[0]).title


def field_config(panel: Panel) -> dict:
    """Units, ranges and human titles. A time series has one kind of measure in its defaults
    (its fields are named by their labels); other panels name every column by an override."""
    defaults: dict = {
        "thresholds": _thresholds(panel.thresholds),
        "color": {"mode": "thresholds" if panel.thresholds else "palette-classic"},
        "noValue": NO_DATA,
    }
    overrides = []
    if panel.kind == "timeseries":
        draw = "bars" if panel.bars else "line"
        defaults.update(_measure(panel.value_kind))
        defaults["displayName"] = _series_name(panel)
        defaults["custom"] = {
            "drawStyle": draw,
            "fillOpacity": 80 if panel.bars else (30 if panel.stacked else 0),
            "stacking": {"mode": "normal" if panel.stacked else "none", "group": "A"},
            "showPoints": "auto",
        }
    else:
        if panel.kind in ("stat", "barchart"):
            defaults.update(_measure(panel.value_kind))
        for column in panel.columns:
            meaning = field(column)
            overrides.append(
                _override(column, {"displayName": meaning.title, **_measure(meaning.kind)})
            )
    return {"defaults": defaults, "overrides": overrides}


def panel_model(panel_id: int, panel: Panel, x: int, y: int) -> dict:
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"x": x, "y": y, "w": panel.width, "h": panel.height},
        "targets": [target(panel.sql, panel.kind == "timeseries")],
        "fieldConfig": field_config(panel),
        "options": _options(panel),
        **({"maxDataPoints": panel.max_points} if panel.max_points else {}),
    }


def _variable(name: str, label: str, sql: str) -> dict:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DATASOURCE,
        "query": sql,
        "definition": sql,
        "refresh": 2,  # on time-range change: new stores appear without a reload
        "multi": True,
        "includeAll": True,
        "sort": 1,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "options": [],
    }


def dashboard_model(dashboard: Dashboard) -> dict:
    panels: list[dict] = []
    y, numbered = 0, dict(dashboard.panels())
    ids = iter(numbered)
    for row, section in enumerate(dashboard.sections):
        panels.append(
            {
                "id": _ROW_IDS_FROM + row,
                "type": "row",
                "title": section.title,
                "collapsed": False,
                "gridPos": {"x": 0, "y": y, "w": 24, "h": 1},
                "panels": [],
            }
        )
        y += 1
        x, line_height = 0, 0
        for panel in section.panels:
            if x + panel.width > 24:
                x, y, line_height = 0, y + line_height, 0
            panels.append(panel_model(next(ids), panel, x, y))
            x += panel.width
            line_height = max(line_height, panel.height)
        y += line_height
    builtin = {
        "builtIn": 1,
        "datasource": {"type": "grafana", "uid": "-- Grafana --"},
        "enable": True,
        "hide": True,
        "iconColor": "rgba(0, 211, 255, 1)",
        "name": "Annotations & Alerts",
        "type": "dashboard",
    }
    annotations = [
        {
            "name": a.name,
            "datasource": DATASOURCE,
            "enable": True,
            "iconColor": "red",
            "target": target(a.sql, time_series=False, ref_id="Anno"),
        }
        for a in dashboard.annotations
    ]
    return {
        "uid": dashboard.uid,
        "title": dashboard.title,
        "description": dashboard.description,
        "tags": list(dashboard.tags),
        "editable": False,
        "graphTooltip": 1,
        "schemaVersion": SCHEMA_VERSION,
        "refresh": dashboard.refresh,
        "time": {"from": dashboard.time_from, "to": "now"},
        "timezone": dashboard.timezone,
        "templating": {
            "list": [_variable(v.name, v.label, v.sql.strip()) for v in dashboard.variables]
        },
        "annotations": {"list": [builtin, *annotations]},
        "panels": panels,
    }
