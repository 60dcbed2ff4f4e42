"""Where alerts go: the alerts table, the alerts topic, and an optional webhook."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import orjson

from pipeline.alerting.detector import AlertEvent
from pipeline.alerting.explain import Explanation
from pipeline.warehouse.tables import AlertRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertRecord:
    event: AlertEvent
    why: Explanation

    @property
    def state(self) -> str:
        return self.event.state

    def row(self) -> AlertRow:
        e, m = self.event, self.event.measured
        return AlertRow(
            alert_id=e.alert_id,
            kind=e.kind,
            complaint_id=e.complaint_id,
            scope=e.scope.kind,
            store_id=e.scope.store_id,
            channel=e.scope.channel,
            opened_at=e.opened_at,
            resolved_at=e.resolved_at,
            trigger=e.trigger,
            # The table's measure columns are not nullable: an SLA breach's stay at zero.
            baseline=m.baseline_share if m else 0.0,
            current=m.current_share if m else 0.0,
            drop=round(m.drop, 4) if m else 0.0,
            baseline_mean=m.baseline_mean if m else 0.0,
            current_mean=m.current_mean if m else 0.0,
            ratings=m.ratings if m else 0,
            evidence_from=e.window_start,
            evidence_to=e.window_end,
            gaps=self.why.gaps,
            dimensions=self.why.dimensions,
            top_terms=self.why.top_terms,
            likely_cause=self.why.likely_cause,
            version=2 if e.resolved_at else 1,
            payload=self.to_json().decode(),
            severity=e.severity,
            scope_group=e.scope.group,
        )

    def to_json(self) -> bytes:
        e, m = self.event, self.event.measured
        return orjson.dumps(
            {
                "alert_id": e.alert_id,
                "kind": e.kind,
                "complaint_id": e.complaint_id or None,
                "state": self.state,
                "severity": e.severity,
                "scope": e.scope.kind,
                "group": e.scope.group or None,
                "store_id": e.scope.store_id or None,
                "channel": e.scope.channel or None,
                "opened_at": e.opened_at,
                "resolved_at": e.resolved_at,
                "trigger": e.trigger,
                "window": {"from": e.window_start, "to": e.window_end},
                "baseline": m and {"top2_share": m.baseline_share, "mean_score": m.baseline_mean},
                "current": m and {"top2_share": m.current_share, "mean_score": m.current_mean},
                "drop": m and round(m.drop, 4),
                "ratings": m and m.ratings,
                "complaints": {
                    "by_gap": self.why.gaps,
                    "by_dimension": self.why.dimensions,
                    "top_terms": self.why.top_terms,
                },
                "likely_cause": self.why.likely_cause,
            }
        )


class Webhook:
    """POSTs alert JSON; signed with HMAC-SHA256 when a secret is set; never blocks alerting."""

    def __init__(self, url: str, secret: str = "", timeout: float = 5.0, attempts: int = 3) -> None:
        self.url, self.secret, self.timeout, self.attempts = url, secret, timeout, attempts

    def headers(self, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": "gapwatch-alerts"}
        if self.secret:
            digest = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-GapWatch-Signature"] = f"sha256={digest}"
        return headers

    def post(self, body: bytes) -> bool:
        for attempt in range(1, self.attempts + 1):
            request = urllib.request.Request(
                self.url, data=body, headers=self.headers(body), method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    if 200 <= response.status < 300:
                        return True
                    problem = f"HTTP {response.status}"
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                problem = str(getattr(exc, "reason", exc))
            log.warning("alert webhook attempt %d/%d failed: %s", attempt, self.attempts, problem)
            if attempt < self.attempts:
                time.sleep(0.5 * 2 ** (attempt - 1))
        return False
