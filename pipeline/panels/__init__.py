"""Panels: the ops and analyst dashboards as code, rendered to Grafana JSON, alert rules,
pushed to a Grafana, proven on chDB and drawn to a static HTML report."""

from pipeline.panels.generate import dashboards, stale, write
from pipeline.panels.run import PanelResult, run_dashboard
from pipeline.panels.spec import Dashboard, Panel
from pipeline.panels.sql import ExpansionError, TimeRange, expand

__all__ = [
    "Dashboard",
    "ExpansionError",
    "Panel",
    "PanelResult",
    "TimeRange",
    "dashboards",
    "expand",
    "run_dashboard",
    "stale",
    "write",
]
