"""Grafana alert rules on the warehouse: satisfaction drops and pipeline health.

Each rule is a query (A) that returns one row per alert instance (string columns become
labels, the last column is the value), reduced (B) and compared with a threshold (C).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.panels.grafana import DATASOURCE_UID, FOLDER_TITLE, FOLDER_UID, target

GROUP = "gapwatch"
CONTACT_POINT = "gapwatch-ops"
EXPRESSIONS = "__expr__"  # Grafana's server-side expressions


@dataclass(frozen=True)
class AlertRule:
    uid: str
    title: str
    sql: str
    columns: tuple[str, ...]  # labels…, value
    operator: Literal["gt", "lt"]
    threshold: float
    window_s: int  # the query's time range, ending now
    pending: str  # how long the condition must hold before the alert fires
    no_data: Literal["OK", "NoData", "Alerting"]
    summary: str
    severity: Literal["page", "ticket"]


RULES = (
    AlertRule(
        uid="gapwatch-satisfaction-drop",
        title="Satisfaction drop",
        sql="""
SELECT scope, scope_group, store_id, channel, toFloat64(count()) AS open_alerts
FROM alerts FINAL
WHERE kind = 'satisfaction_drop' AND resolved_at IS NULL AND opened_at >= $__fromTime
GROUP BY scope, scope_group, store_id, channel""",
        columns=("scope", "scope_group", "store_id", "channel", "open_alerts"),
        operator="gt",
        threshold=0,
        window_s=7 * 86400,
        pending="0s",
        no_data="OK",
        summary="GapWatch's detector holds an open satisfaction-drop alert for "
        "{{ $labels.scope }} {{ $labels.scope_group }} {{ $labels.store_id }} "
        "{{ $labels.channel }}; "
        "its likely cause is in the alerts table and on the ops dashboard.",
        severity="page",
    ),
    AlertRule(
        uid="gapwatch-consumer-lag",
        title="Consumer lag",
        sql="""
SELECT topic, toFloat64(sum(lag)) AS lag
FROM (
    SELECT topic, partition, argMax(lag, ts) AS lag
    FROM pipeline_health
    WHERE $__timeFilter(ts)
    GROUP BY topic, partition
)
GROUP BY topic""",
        columns=("topic", "lag"),
        operator="gt",
        threshold=50_000,
        window_s=300,
        pending="5m",
        no_data="Alerting",  # no health rows at all: no worker is running
        summary="Workers are {{ $values.B }} messages behind on {{ $labels.topic }}.",
        severity="page",
    ),
    AlertRule(
        uid="gapwatch-dead-letter-rate",
        title="Dead-letter rate",
        sql="""
SELECT source_topic, toFloat64(count()) AS dead_letters
FROM dead_letters
WHERE $__timeFilter(ingested_at)
GROUP BY source_topic""",
        columns=("source_topic", "dead_letters"),
        operator="gt",
        threshold=100,
        window_s=300,
        pending="0s",
        no_data="OK",
        summary="{{ $values.B }} messages from {{ $labels.source_topic }} were dead-lettered "
        "in 5 minutes; their reasons are in the dead_letters table.",
        severity="ticket",
    ),
    AlertRule(
        uid="gapwatch-no-data",
        title="No satisfaction data",
        sql="""
SELECT toFloat64(count()) AS rows_written
FROM satisfaction_events
WHERE $__timeFilter(ingested_at)""",
        columns=("rows_written",),
        operator="lt",
        threshold=1,
        window_s=900,
        pending="5m",
        no_data="Alerting",
        summary="No satisfaction event has been written for 15 minutes.",
        severity="page",
    ),
)


def _expression(ref_id: str, model: dict) -> dict:
    return {
        "refId": ref_id,
        "datasourceUid": EXPRESSIONS,
        "relativeTimeRange": {"from": 0, "to": 0},
        "model": {
            "refId": ref_id,
            "datasource": {"type": EXPRESSIONS, "uid": EXPRESSIONS},
            **model,
        },
    }


def rule_model(rule: AlertRule) -> dict:
    """A rule as Grafana's provisioning API and files take it (files name the folder)."""
    return {
        "uid": rule.uid,
        "title": rule.title,
        "condition": "C",
        "data": [
            {
                "refId": "A",
                "datasourceUid": DATASOURCE_UID,
                "relativeTimeRange": {"from": rule.window_s, "to": 0},
                "model": target(rule.sql, time_series=False),
            },
            _expression("B", {"type": "reduce", "expression": "A", "reducer": "last"}),
            _expression(
                "C",
                {
                    "type": "threshold",
                    "expression": "B",
                    "conditions": [
                        {"evaluator": {"type": rule.operator, "params": [rule.threshold]}}
                    ],
                },
            ),
        ],
        "noDataState": rule.no_data,
        "execErrState": "Error",
        "for": rule.pending,
        "annotations": {"summary": rule.summary},
        "labels": {"team": "ops", "severity": rule.severity, "service": "gapwatch"},
        "isPaused": False,
    }


def provisioning_file() -> dict:
    """infra/grafana/provisioning/alerting/gapwatch.yaml: rules, a contact point and the
    policy that routes GapWatch's alerts to it. The webhook URL comes from the environment."""
    return {
        "apiVersion": 1,
        "groups": [
            {
                "orgId": 1,
                "name": GROUP,
                "folder": FOLDER_TITLE,
                "interval": "1m",
                "rules": [rule_model(rule) for rule in RULES],
            }
        ],
        "contactPoints": [
            {
                "orgId": 1,
                "name": CONTACT_POINT,
                "receivers": [
                    {
                        "uid": "gapwatch-ops-webhook",
                        "type": "webhook",
                        "disableResolveMessage": False,
                        "settings": {
                            "url": "$GAPWATCH_GRAFANA_WEBHOOK_URL",
                            "httpMethod": "POST",
                        },
                    }
                ],
            }
        ],
        "policies": [
            {
                "orgId": 1,
                "receiver": CONTACT_POINT,
                "group_by": ["alertname", "store_id"],
                "group_wait": "30s",
                "group_interval": "5m",
                "repeat_interval": "4h",
            }
        ],
    }


def api_rule(rule: AlertRule) -> dict:
    """A rule for the provisioning HTTP API, which names the folder by uid."""
    return {**rule_model(rule), "folderUID": FOLDER_UID, "ruleGroup": GROUP, "orgID": 1}
