"""What `gapwatch grafana push` decides to change, given what Grafana already holds."""

from __future__ import annotations

import copy

from pipeline.panels.alerting import RULES, api_rule
from pipeline.panels.grafana import dashboard_model
from pipeline.panels.ops import OPS
from pipeline.panels.push import ClickHouseLink, datasource_model, differs

LINK = ClickHouseLink("clickhouse", 8123, "http", "gapwatch", "gapwatch_grafana", "s3cret-pass")


def test_missing_objects_are_created():
    assert differs(dashboard_model(OPS), None) == "created"


def test_what_grafana_adds_does_not_count_as_a_change():
    desired = dashboard_model(OPS)
    current = {**copy.deepcopy(desired), "id": 41, "version": 7}
    assert differs(desired, current) is None
    rule = api_rule(RULES[0])
    assert (
        differs(rule, {**copy.deepcopy(rule), "id": 3, "updated": "2026-11-20T10:00:00Z"}) is None
    )


def test_a_changed_panel_or_threshold_is_an_update():
    desired = dashboard_model(OPS)
    current = copy.deepcopy(desired)
    current["panels"][3]["title"] = "edited in the UI"
    assert differs(desired, current) == "updated"
    rule = api_rule(RULES[1])
    edited = copy.deepcopy(rule)
    edited["data"][2]["model"]["conditions"][0]["evaluator"]["params"] = [1]
    assert differs(rule, edited) == "updated"


def test_the_datasource_password_is_compared_by_whether_grafana_holds_one():
    desired = datasource_model(LINK)
    stored = {k: v for k, v in desired.items() if k != "secureJsonData"}
    assert differs(desired, {**stored, "secureJsonFields": {"password": True}}) is None
    assert differs(desired, {**stored, "secureJsonFields": {}}) == "updated"
    moved = {**stored, "jsonData": {**stored["jsonData"], "host": "old-host"}}
    assert differs(desired, {**moved, "secureJsonFields": {"password": True}}) == "updated"
