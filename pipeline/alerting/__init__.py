"""Alerts on satisfaction drops, per store, store × channel and overall, on event time."""

from pipeline.alerting.detector import AlertEvent, Detector, DetectorConfig, Scope, Window
from pipeline.alerting.outputs import AlertRecord, Webhook
from pipeline.alerting.runner import AlertRunner

__all__ = [
    "AlertEvent",
    "AlertRecord",
    "AlertRunner",
    "Detector",
    "DetectorConfig",
    "Scope",
    "Webhook",
    "Window",
]
