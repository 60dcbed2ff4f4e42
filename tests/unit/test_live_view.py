"""The demo's live view shows the last minutes: rates over the last minute, lag, p95 latency,
open alerts and dead letters, in the users' time zone, and says when there is nothing yet."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.console import Console

from pipeline.demo.rates import RateWindow
from pipeline.demo.render import live_view

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _topics(received: int, written: int) -> dict[str, dict]:
    return {
        "satisfaction-events": {"received": received, "written": written},
        "complaints": {"received": received // 10, "written": written // 10},
    }


def _screen(*args) -> str:
    console = Console(record=True, width=200, force_terminal=False, color_system=None)
    console.print(live_view(*args))
    return console.export_text()


def test_rates_are_over_the_last_minute_not_since_the_start():
    window = RateWindow(seconds=60)
    for t in range(0, 121):  # 100/s for a minute, then 300/s for a minute
        received = 100 * t if t <= 60 else 6000 + 300 * (t - 60)
        window.add(float(t), _topics(received, received - 50))
    rates = window.rates()
    assert rates["satisfaction-events"]["received"] == 300.0
    assert rates["satisfaction-events"]["written"] == 300.0
    assert rates["complaints"]["received"] == 30.0
    assert window.span == 60.0


def test_a_single_sample_has_no_rate_yet():
    window = RateWindow()
    window.add(0.0, _topics(10, 10))
    assert window.rates() == {}


STATS = {
    "worker": {
        "lag": {"satisfaction-events": 1234, "complaints": 0},
        "in_flight": {"satisfaction-events": 56},
        "alerts_undelivered": 1,
    },
    "warehouse": {
        "recent": {
            "minutes": 5,
            "until": "2026-11-20T14:05:13+00:00",
            "written": {"satisfaction-events": 88000, "complaints": 9000},
            "p95_latency_s": {"satisfaction-events": 0.85, "complaints": 2.5},
            "dead_letters": {"complaints": 7},
            "open_alerts": 2,
            "newest_open_alerts": [
                {
                    "kind": "satisfaction_drop",
                    "scope": "store",
                    "store_id": "S900",
                    "channel": "",
                    "opened_at": "2026-11-20T13:50:00+00:00",
                    "drop": 0.25,
                },
                {
                    "kind": "sla_first_response",
                    "scope": "complaint",
                    "store_id": "S1",
                    "channel": "app",
                    "opened_at": "2026-11-20T13:40:00+00:00",
                    "drop": None,  # an SLA breach has no drop in satisfaction
                },
            ],
            "by_store": [
                {"store_id": "S900", "rating_count": 120, "avg_score": 2.9, "top2_share": 0.3}
            ],
            "by_gap": [{"gap": "gap3_delivery", "complaint_count": 42}],
        }
    },
}


def test_the_screen_shows_the_last_minutes():
    rates = {"satisfaction-events": {"received": 312.4, "written": 298.0}}
    screen = _screen("simulating 20/60 s", rates, STATS, SHANGHAI, 60.0)
    assert "as of 22:05:13 Asia/Shanghai" in screen  # 14:05:13 UTC
    assert "open alerts 2 (1 not yet delivered)" in screen
    assert "dead letters in the last 5 min 7" in screen
    (events,) = [line for line in screen.splitlines() if "satisfaction-events" in line]
    for shown in ("312", "298", "1,234", "56", "850 ms"):
        assert shown in events, shown
    (complaints,) = [line for line in screen.splitlines() if line.startswith("│ complaints ")]
    assert "2.5 s" in complaints and "7" in complaints
    assert "11-20 21:50" in screen and "S900" in screen and "25 pts" in screen
    (breach,) = [line for line in screen.splitlines() if "sla_first_response" in line]
    assert "pts" not in breach and "—" in breach
    assert "Satisfaction by store, last 5 min" in screen and "30.0%" in screen
    assert "Complaints by gap, last 5 min" in screen and "42" in screen


def test_nothing_yet_says_so_instead_of_zeros():
    empty = {"worker": {}, "warehouse": {"recent": {"minutes": 5}}}
    screen = _screen("worker starting", {}, empty, SHANGHAI, 0.0)
    assert "Satisfaction by store, last 5 min: No data yet" in screen
    assert "Complaints by gap, last 5 min: No data yet" in screen
    assert "Open alerts: none" in screen
    (events,) = [line for line in screen.splitlines() if "satisfaction-events" in line]
    assert "0.0" not in events and "—" in events
