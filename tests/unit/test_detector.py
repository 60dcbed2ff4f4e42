from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.alerting.detector import Detector, DetectorConfig, Scope, Window

START = datetime(2026, 3, 2, tzinfo=UTC)
STEP = timedelta(minutes=10)
STORE = Scope("store", "S1")


def windows(scope: Scope, first: int, count: int, n: int, top2: int, score: int | None = None):
    for i in range(first, first + count):
        yield Window(scope, START + i * STEP, n, top2, score if score is not None else 4 * n)


def feed(detector: Detector, stream) -> list:
    return [event for w in stream for event in detector.observe(w)]


DAY = 144  # windows a day


def test_a_clear_drop_opens_one_alert_that_later_resolves():
    d = Detector()
    assert feed(d, windows(STORE, 0, 4 * DAY, n=10, top2=8)) == []
    opened = feed(d, windows(STORE, 4 * DAY, 12, n=10, top2=3, score=25))
    assert len(opened) == 1 and opened[0].resolved_at is None
    alert = opened[0]
    assert alert.opened_at - (START + 4 * DAY * STEP) <= timedelta(minutes=30)
    measured = alert.measured
    assert measured is not None
    assert measured.baseline_share == 0.8 and measured.current_share < 0.45
    assert measured.ratings >= 15 and measured.current_mean < measured.baseline_mean
    # Still low: the open alert is not raised again (hysteresis).
    assert feed(d, windows(STORE, 4 * DAY + 12, 12, n=10, top2=3)) == []
    resolved = feed(d, windows(STORE, 4 * DAY + 24, 24, n=10, top2=8))
    assert [(e.alert_id, e.resolved_at is not None) for e in resolved] == [(alert.alert_id, True)]


def test_a_small_store_with_three_bad_ratings_pages_nobody():
    d = Detector()
    quiet = list(windows(STORE, 0, 4 * DAY, n=1, top2=1))[::3]  # ~2 ratings an hour
    assert feed(d, quiet) == []
    assert feed(d, windows(STORE, 4 * DAY, 3, n=1, top2=0, score=1)) == []


def test_no_alert_before_the_baseline_has_half_a_day_of_history():
    d = Detector()
    assert feed(d, windows(STORE, 0, 54, n=10, top2=8)) == []  # 9 hours
    assert feed(d, windows(STORE, 54, 12, n=10, top2=1)) == []  # collapsed until 11 hours


def test_a_store_with_14_hours_of_history_is_alerted_on_a_30_point_drop():
    d = Detector()
    history = [
        Window(STORE, START + i * STEP, 5, 4 if i % 5 else 3, 20) for i in range(84)
    ]  # 14 hours at 30 an hour, 76% of scores 4–5
    assert feed(d, history) == []
    opened = feed(
        d, (Window(STORE, START + (84 + i) * STEP, 5, 2 if i % 2 else 1, 12) for i in range(15))
    )
    assert [e.trigger for e in opened] == ["sudden"]
    assert opened[0].opened_at - (START + 84 * STEP) <= timedelta(minutes=150)
    assert opened[0].severity == "page"  # 30 points: someone should look now


def test_a_sustained_small_drop_is_caught_by_the_cusum():
    d = Detector(DetectorConfig())
    assert feed(d, windows(STORE, 0, 4 * DAY, n=20, top2=16)) == []  # 80%
    events = feed(d, windows(STORE, 4 * DAY, 24, n=20, top2=13))  # 65% for 4 hours
    assert [(e.trigger, e.severity) for e in events] == [("sustained", "page")]


def test_a_drop_under_15_points_is_alerted_to_watch_not_to_page():
    d = Detector(DetectorConfig())
    assert feed(d, windows(STORE, 0, 4 * DAY, n=20, top2=16)) == []  # 80%
    events = feed(d, windows(STORE, 4 * DAY, 48, n=20, top2=14))  # 70% for 8 hours
    assert [e.severity for e in events] == ["watch"]
    assert events[0].measured is not None and events[0].measured.drop < 0.15


def test_replaying_the_same_windows_raises_the_same_alerts():
    stream = [
        *windows(STORE, 0, 4 * DAY, 10, 8),
        *windows(STORE, 4 * DAY, 12, 10, 2),
        *windows(STORE, 4 * DAY + 12, 30, 10, 8),
    ]
    assert feed(Detector(), stream) == feed(Detector(), stream) != []


def test_the_daily_rhythm_is_learned_not_alerted_every_day():
    d = Detector()

    # Every day, share drops from 85% to 60% over the lunch peak (12:00–14:00).
    def day(i: int):
        for w in range(DAY):
            at = i * DAY + w
            lunch = 72 <= w < 84
            yield Window(STORE, START + at * STEP, 20, 12 if lunch else 17, 80)

    alerted = feed(d, (w for i in range(14) for w in day(i)))
    # A store watched from its first day may be alerted on its first lunches; then the dip
    # is learned as its rhythm.
    assert all(e.opened_at < START + timedelta(days=3) for e in alerted), alerted


def test_a_drop_to_ones_is_proven_sooner_by_the_share_of_ones():
    """The lost 4–5 ratings all become 1s: the second bank, on the share of scores above 1,
    raises the alert (trigger ``low_scores``) well before the share of 4–5 alone could."""

    def stream(first: int, count: int, top2: int, ones: int):
        for i in range(first, first + count):
            score = 4 * top2 + ones + 2 * (10 - top2 - ones)
            yield Window(STORE, START + i * STEP, 10, top2, score, ones)

    def opened_after(config: DetectorConfig) -> tuple[int, str]:
        d = Detector(config)
        assert feed(d, stream(0, 4 * DAY, top2=7, ones=1)) == []
        for i in range(DAY):
            alerts = feed(d, stream(4 * DAY + i, 1, top2=6, ones=2))
            if alerts:
                return i + 1, alerts[0].trigger
        return DAY + 1, ""

    with_ones, trigger = opened_after(DetectorConfig())
    share_only, _ = opened_after(DetectorConfig(one_drops=()))
    assert trigger == "low_scores"
    assert 2 * with_ones <= share_only, (with_ones, share_only)
