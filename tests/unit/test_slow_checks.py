"""Checks that need days: a slow drift against a reference two weeks older, and small stores
against their own history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.alerting.events import Scope, Window
from pipeline.alerting.slow import SlowChecks

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
STORE = Scope("store", "S1")


def days(
    checks: SlowChecks, first: int, count: int, per_hour: int, share: float, hours=range(10, 20)
):
    """Whole days of ratings, ``per_hour`` in each of ``hours``; the alerts they raise."""
    alerts = []
    for d in range(first, first + count):
        for h in hours:
            top2 = round(per_hour * share)
            at = START + timedelta(days=d, hours=h)
            alerts += checks.observe(
                Window(STORE, at, per_hour, top2, 4 * top2 + 2 * (per_hour - top2))
            )
    return alerts


def test_a_slow_drift_is_flagged_to_watch_and_resolves_when_the_store_is_back():
    checks = SlowChecks()
    assert days(checks, 0, 40, 30, 0.78) == []
    flagged = days(checks, 40, 6, 30, 0.68)  # 10 points below, day after day
    assert [(a.trigger, a.severity, a.resolved_at) for a in flagged][:1] == [
        ("drift", "watch", None)
    ]
    assert flagged[0].measured is not None and flagged[0].measured.drop >= 0.05
    back = days(checks, 46, 6, 30, 0.78)
    assert [a.alert_id for a in back if a.resolved_at is not None] == [flagged[0].alert_id]


def test_a_small_store_is_checked_daily_against_its_own_history():
    checks = SlowChecks()
    assert days(checks, 0, 40, 4, 0.75) == []  # 4 an hour: too few to page anyone
    alerts = days(checks, 40, 5, 4, 0.25)
    assert "daily" in {a.trigger for a in alerts}
    assert all(a.severity == "watch" for a in alerts)


def test_a_busy_store_gets_no_daily_check():
    checks = SlowChecks()
    assert days(checks, 0, 40, 40, 0.75) == []
    alerts = days(checks, 40, 2, 40, 0.25)  # the fast detector's job
    assert "daily" not in {a.trigger for a in alerts}
