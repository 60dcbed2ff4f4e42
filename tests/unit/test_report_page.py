"""The HTML report's page: human titles, percentages, integers, fixed axes, local time and
"No data yet", on panel results whose answers are known."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
import orjson
import pytest

from pipeline.cli.report import parse_moment
from pipeline.panels.charts import value_axis
from pipeline.panels.formatting import display
from pipeline.panels.html_report import has_data, render
from pipeline.panels.ops import OPS
from pipeline.panels.run import PanelResult
from pipeline.panels.sql import TimeRange

SINCE = datetime(2026, 11, 20, 13, 55, tzinfo=UTC)  # 21:55 in Shanghai
UNTIL = SINCE + timedelta(minutes=15)
SHANGHAI = ZoneInfo("Asia/Shanghai")
T = SINCE.replace(tzinfo=None) + timedelta(minutes=5)  # the client returns naive UTC

ROWS: dict[str, list[tuple]] = {
    "Share of 4–5 scores by store": [(T, "S1", 0.81), (T, "S2", 0.77)],
    "Mean score by channel": [(T, "app", 4.01), (T, "store", 4.05)],
    "Worst stores in the last hour": [("S2", 40, 0.3125, 3.375)],
    "Review queue": [(206,)],
    "Resolution rate": [(None,)],  # no complaint in the range: nothing measured
    "Median minutes to first response": [(float("nan"),)],
    "Dead letters": [(T, "complaints", 1)],
    "Open alerts": [
        (T, "satisfaction_drop", "store", "", "S2", "", 0.25, 40, "gap 3"),
        (T, "sla_first_response", "complaint", "", "S1", "app", None, None, "late"),  # no drop
        (T, "satisfaction_drop", "region", "north", "", "", 0.2, 90, "gap 2"),
    ],
}


def _results(rows: dict[str, list[tuple]]) -> list[PanelResult]:
    return [
        PanelResult(panel_id, panel, panel.sql, panel.columns, rows.get(panel.title, []))
        for panel_id, panel in OPS.panels()
    ]


@pytest.fixture(scope="module")
def page() -> str:
    return render([(OPS, _results(ROWS))], TimeRange.of(SINCE, UNTIL), "Asia/Shanghai")


def _panel(page: str, title: str) -> str:
    for section in re.findall(r'<section class="panel".*?</section>', page, flags=re.S):
        if f"<h3>{html.escape(title)}</h3>" in section:
            return section
    raise AssertionError(f"no panel {title!r}")


def _figure(section: str) -> dict:
    spec = re.search(r'data-figure="([^"]*)"', section).group(1)
    return orjson.loads(html.unescape(spec))


def test_the_header_says_the_range_in_the_users_time_zone(page):
    assert "2026-11-20 21:55 – 2026-11-20 22:10 (Asia/Shanghai, UTC+08:00)" in page


def test_tables_have_human_titles_percentages_and_integers(page):
    worst = _panel(page, "Worst stores in the last hour")
    headers = re.findall(r"<th(?: [^>]*)?>(.*?)</th>", worst)
    assert [html.unescape(h) for h in headers] == [
        "Store",
        "Ratings",
        "Share of 4–5",
        "Mean score (1–5)",
    ]
    cells = re.findall(r"<td(?: [^>]*)?>(.*?)</td>", worst)
    assert cells == ["S2", "40", "31.2%", "3.38"]


def test_alerts_show_a_drop_only_where_there_is_one(page):
    rows = re.findall(r"<tr>(.*?)</tr>", _panel(page, "Open alerts"))[1:]
    cells = [re.findall(r"<td(?: [^>]*)?>(.*?)</td>", row) for row in rows]
    assert [(c[0], c[1], c[2], c[3], c[6], c[7]) for c in cells] == [
        ("2026-11-20 22:00", "satisfaction_drop", "store", "", "25.0 pts", "40"),
        ("2026-11-20 22:00", "sla_first_response", "complaint", "", "—", "—"),
        ("2026-11-20 22:00", "satisfaction_drop", "region", "north", "20.0 pts", "90"),
    ]


def test_counts_are_integers_and_nothing_measured_says_so(page):
    queue = _panel(page, "Review queue")
    assert 'data-value="206"' in queue and "206.00" not in queue
    for title in ("Resolution rate", "Median minutes to first response", "SLA breaches"):
        section = _panel(page, title)
        assert "No data yet" in section, title
        assert "0.0%" not in section and "nan" not in section.lower(), title


def test_shares_and_scores_are_drawn_on_fixed_axes_over_the_whole_range(page):
    share = _figure(_panel(page, "Share of 4–5 scores by store"))
    assert share["layout"]["yaxis"]["range"] == [0, 1]
    assert share["layout"]["yaxis"]["tickformat"] == ".0%"
    assert share["layout"]["xaxis"]["range"] == ["2026-11-20T21:55:00", "2026-11-20T22:10:00"]
    assert share["data"][0]["x"] == ["2026-11-20T22:00:00"]  # local time, not UTC
    score = _figure(_panel(page, "Mean score by channel"))
    assert score["layout"]["yaxis"]["range"] == [1, 5]


def test_a_single_dead_letter_is_a_bar_on_whole_numbers_over_the_range(page):
    dead = _figure(_panel(page, "Dead letters"))
    assert dead["data"][0]["type"] == "bar"
    assert dead["data"][0]["width"] == [54_000.0] and dead["data"][0]["offset"] == 0  # 60 s
    assert dead["layout"]["yaxis"]["dtick"] == 1 and dead["layout"]["yaxis"]["range"][0] == 0
    assert dead["layout"]["xaxis"]["range"] == ["2026-11-20T21:55:00", "2026-11-20T22:10:00"]


def test_has_data_means_a_measured_value():
    results = {r.panel.title: r for r in _results(ROWS)}
    assert has_data(results["Review queue"])
    assert not has_data(results["Resolution rate"])
    assert not has_data(results["Median minutes to first response"])
    assert not has_data(results["SLA breaches"])


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (206, "count", "206"),
        (206.0, "count", "206"),
        (18000, "count", "18,000"),
        (0.3125, "percent", "31.2%"),
        (0.25, "points", "25.0 pts"),
        (3.375, "score", "3.38"),
        (312.4, "rate", "312/s"),
        (0.25, "rate", "0.2/s"),
        (42.55, "minutes", "42.5 min"),
        (None, "percent", "—"),
        (datetime(2026, 11, 20, 14, 0), "time", "2026-11-20 22:00"),
    ],
)
def test_values_read_as_people_read_them(value, kind, shown):
    assert display(value, kind, SHANGHAI) == shown


def test_axes_are_fixed_for_shares_and_scores_and_start_at_zero_for_counts():
    assert value_axis("percent", 0.04)["range"] == [0.0, 1.0]
    assert value_axis("score", 4.05)["range"] == [1.0, 5.0]
    counts = value_axis("count", 1200)
    assert counts["rangemode"] == "tozero" and "range" not in counts
    assert value_axis("count", 2)["dtick"] == 1


@pytest.mark.parametrize(
    ("typed", "moment"),
    [
        ("21:55", datetime(2026, 11, 20, 13, 55, tzinfo=UTC)),  # a time of day: today there
        ("2026-11-19T21:55", datetime(2026, 11, 19, 13, 55, tzinfo=UTC)),
        ("2026-11-19", datetime(2026, 11, 18, 16, 0, tzinfo=UTC)),
        ("2026-11-19T21:55+00:00", datetime(2026, 11, 19, 21, 55, tzinfo=UTC)),
    ],
)
def test_report_times_are_typed_in_the_users_time_zone(typed, moment):
    now = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    assert parse_moment(typed, SHANGHAI, now) == moment


def test_a_time_that_is_not_one_is_a_usage_error():
    with pytest.raises(click.BadParameter, match="not an ISO date"):
        parse_moment("half past nine", SHANGHAI, datetime.now(UTC))


def test_the_bar_of_the_interval_still_running_is_drawn_whole():
    from pipeline.panels.charts import bars_end

    until = datetime(2026, 11, 20, 14, 10, 30, tzinfo=UTC)
    # A dead letter at 14:10:20 is a bar from 14:10 to 14:11; an axis ending at 14:10:30
    # would show half of it, or a sliver of nothing if the range ended just after 14:10.
    assert bars_end(until, 60) == datetime(2026, 11, 20, 14, 11, tzinfo=UTC)
    assert bars_end(until, 300) == datetime(2026, 11, 20, 14, 15, tzinfo=UTC)
    on_edge = datetime(2026, 11, 20, 14, 10, tzinfo=UTC)
    assert bars_end(on_edge, 60) == on_edge  # a range that ends on a boundary stays
