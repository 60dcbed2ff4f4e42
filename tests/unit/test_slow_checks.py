"""Checks that need days: a slow drift against a reference two weeks older, and small stores
against their own history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.alerting.detector import Detector
from pipeline.alerting.events import Scope, Window
from pipeline.alerting.slow import SlowChecks
from pipeline.alerting.stream import ScopeFeed

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


def through_the_feed(feed: ScopeFeed, first: int, count: int, per_window: int, share: float):
    """Whole days through the worker's stream (detector and slow checks together), 10-minute
    windows from 10:00 to 20:00 with ``per_window`` ratings each; the alerts raised."""
    alerts = []
    for d in range(first, first + count):
        for i in range(60):
            at = START + timedelta(days=d, hours=10, minutes=10 * i)
            top2 = round(per_window * share) if per_window > 1 else int((i % 4) / 4 < share)
            rows = [("S1", "app", per_window, top2, 4 * top2 + 2 * (per_window - top2), 0)]
            alerts += feed.feed(at, rows)
    return alerts


def test_a_small_store_is_checked_daily_against_its_own_history():
    feed = ScopeFeed(Detector())
    # 6 an hour: too few to page anyone, so the detector leaves it to the daily check.
    assert through_the_feed(feed, 0, 40, 1, 0.75) == []
    assert not feed.detector.pages(STORE)
    alerts = [a for a in through_the_feed(feed, 40, 5, 1, 0.25) if a.scope == STORE]
    assert "daily" in {a.trigger for a in alerts}
    assert all(a.severity == "watch" for a in alerts)


def test_a_store_whose_alerts_page_gets_no_daily_check():
    feed = ScopeFeed(Detector())
    through_the_feed(feed, 0, 40, 7, 0.75)  # 42 an hour
    assert feed.detector.pages(STORE)
    alerts = through_the_feed(feed, 40, 2, 7, 0.25)  # the fast detector's job
    assert "daily" not in {a.trigger for a in alerts}
