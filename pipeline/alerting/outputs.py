"""Where alerts go: the alerts table, the alerts topic, and an optional webhook."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import orjson

from pipeline.alerting.detector import AlertEvent
from pipeline.alerting.explain import Explanation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertRecord:
    event: AlertEvent
    why: Explanation

    @property
    def state(self) -> str:
        return self.event.state

    def row(self) -> tuple[Any, ...]:
        e = self.event
        return (
            e.alert_id,
            e.kind,
            e.complaint_id,
            e.scope.kind,
            e.scope.store_id,
            e.scope.channel,
            e.opened_at,
            e.resolved_at,
            e.trigger,
            e.baseline_share,
            e.current_share,
            round(e.drop, 4),
            e.baseline_mean,
            e.current_mean,
            e.ratings,
            e.window_start,
            e.window_end,
            self.why.gaps,
            self.why.dimensions,
            self.why.top_terms,
            self.why.likely_cause,
            2 if e.resolved_at else 1,
            self.to_json().decode(),
        )

    def to_json(self) -> bytes:
        e = self.event
        return orjson.dumps(
            {
                "alert_id": e.alert_id,
                "kind": e.kind,
                "complaint_id": e.complaint_id or None,
                "state": self.state,
                "scope": e.scope.kind,
                "store_id": e.scope.store_id or None,
                "channel": e.scope.channel or None,
                "opened_at": e.opened_at,
                "resolved_at": e.resolved_at,
                "trigger": e.trigger,
                "window": {"from": e.window_start, "to": e.window_end},
                "baseline": {"top2_share": e.baseline_share, "mean_score": e.baseline_mean},
                "current": {"top2_share": e.current_share, "mean_score": e.current_mean},
                "drop": round(e.drop, 4),
                "ratings": e.ratings,
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
