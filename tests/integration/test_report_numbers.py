"""The report's numbers against sums over the raw rows: windows that do not start on the hour,
the gap report's trend, local hours, and the minimum volume of ranking queries."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipeline.config import PROJECT_ROOT
from pipeline.panels import TimeRange, expand
from pipeline.panels.analyst import to_grafana
from pipeline.reports.gaps import gap_report, middle_of
from pipeline.warehouse import connect, migrate
from pipeline.warehouse.library import library

pytestmark = pytest.mark.integration
MIGRATIONS = PROJECT_ROOT / "infra" / "clickhouse" / "migrations"
QUERIES = library(PROJECT_ROOT / "infra" / "clickhouse" / "queries")
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 20, tzinfo=UTC)
START = DAY.replace(hour=13)  # 21:00 in Shanghai
END = START + timedelta(hours=2, minutes=30)
GAPS = ("gap1_knowledge", "gap3_delivery", "gap4_communication", "not_complaint")
BUSY_STORES = ("S1", "S2", "S3")
SPARSE_STORE = "S9"  # two ratings and five complaints: must not top a ranking


def _at(text: str) -> datetime:
    """A Shanghai wall-clock time of DAY, as the user types it."""
    return datetime.fromisoformat(f"2026-11-20T{text}").replace(tzinfo=SHANGHAI).astimezone(UTC)


WINDOWS = [
    ("21:55", "22:10"),  # the issue's: within one hour, not on it
    ("21:55:30", "23:10:15"),  # partial minutes and hours at both ends, whole hours between
    ("22:00", "23:00"),  # exactly one hour
    ("21:59:59", "22:00:01"),  # two seconds across an hour
    ("22:10:20", "22:10:40"),  # inside one minute
    ("20:00", "23:59"),  # everything
]


def _seed(client) -> None:
    rng = random.Random(19)
    span = int((END - START).total_seconds())
    ratings, complaints = [], []
    for n in range(3000):
        at = START + timedelta(seconds=rng.randrange(span), milliseconds=rng.randrange(1000))
        score = rng.choice((1, 2, 3, 4, 5, 5))
        survey = rng.random() < 0.4
        ratings.append(
            (
                f"e{n}",
                at,
                rng.choice(BUSY_STORES),
                rng.choice(("app", "store")),
                score,
                {"reliability": rng.randint(1, 7)} if survey else {},
                {"reliability": rng.randint(1, 7)} if survey else {},
                0,
                n,
            )
        )
    for n in range(1200):
        at = START + timedelta(seconds=rng.randrange(span), milliseconds=rng.randrange(1000))
        gap = rng.choice(GAPS)
        complaints.append(
            (
                f"c{n}",
                at,
                rng.choice(BUSY_STORES),
                "app",
                "……",
                gap,
                0.6,
                rng.choice(("assurance", "empathy", None)),
                "test",
                0,
                n,
            )
        )
    for n in range(2):
        ratings.append(
            (f"sparse{n}", START + timedelta(minutes=30 + n), SPARSE_STORE, "app", 1, {}, {}, 0, n)
        )
    for n in range(5):
        at = START + timedelta(minutes=31 + n)
        row = (f"sparse-c{n}", at, SPARSE_STORE, "app", "……", "gap3_delivery", 0.6, None, "t")
        complaints.append((*row, 0, n))
    client.insert(
        "satisfaction_events",
        ratings,
        column_names=[
            "event_id",
            "ts",
            "store_id",
            "channel",
            "score",
            "expectation",
            "perception",
            "source_partition",
            "source_offset",
        ],
    )
    client.insert(
        "complaints",
        complaints,
        column_names=[
            "complaint_id",
            "ts",
            "store_id",
            "channel",
            "text",
            "gap",
            "gap_confidence",
            "dimension",
            "model_version",
            "source_partition",
            "source_offset",
        ],
    )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    client = connect(f"chdb://{tmp_path_factory.mktemp('numbers') / 'chdb'}")
    migrate(client, MIGRATIONS)
    _seed(client)
    yield client
    client.close()


def _raw(client, sql: str, since: datetime, until: datetime) -> list[tuple]:
    return client.query(sql, parameters={"since": since, "until": until}).result_rows


_RAW_COMPLAINTS = """
SELECT store_id, count() FROM complaints
WHERE ts >= {since:DateTime64(3)} AND ts < {until:DateTime64(3)} AND gap != 'not_complaint'
GROUP BY store_id ORDER BY store_id
"""


@pytest.mark.parametrize(("since", "until"), WINDOWS, ids=lambda w: w)
def test_the_gap_report_counts_any_window_exactly_and_in_both_halves(seeded, since, until):
    start, end = _at(since), _at(until)
    middle = middle_of(start, end)
    report = {s.store_id: s for s in gap_report(seeded, start, end)}
    whole = dict(_raw(seeded, _RAW_COMPLAINTS, start, end))
    first = dict(_raw(seeded, _RAW_COMPLAINTS, start, middle))
    second = dict(_raw(seeded, _RAW_COMPLAINTS, middle, end))
    assert {s: r.complaints for s, r in report.items()} == whole
    assert {s: r.halves for s, r in report.items()} == {
        s: (first.get(s, 0), second.get(s, 0)) for s in whole
    }


def test_the_issue_window_counts_what_the_raw_table_holds(seeded):
    """21:55–22:10: hour buckets from 22:00 on saw only the last ten minutes."""
    start, end = _at("21:55"), _at("22:10")
    ((raw,),) = seeded.query(
        "SELECT count() FROM complaints WHERE ts >= {s:DateTime} AND ts < {u:DateTime} "
        "AND gap != 'not_complaint'",
        parameters={"s": start, "u": end},
    ).result_rows
    assert raw > 50
    assert sum(s.complaints for s in gap_report(seeded, start, end)) == raw


def test_the_trend_is_the_change_of_each_gaps_share_between_the_halves(seeded):
    start, end = _at("21:30"), _at("23:30")
    middle = middle_of(start, end)
    report = {s.store_id: s for s in gap_report(seeded, start, end)}
    per_half = """
    SELECT gap, count() FROM complaints
    WHERE ts >= {since:DateTime} AND ts < {until:DateTime} AND store_id = 'S1'
      AND gap != 'not_complaint'
    GROUP BY gap"""
    first = dict(_raw(seeded, per_half, start, middle))
    second = dict(_raw(seeded, per_half, middle, end))
    for share in report["S1"].gaps:
        expected = second[share.gap] / sum(second.values()) - first[share.gap] / sum(first.values())
        assert share.trend == pytest.approx(expected)
    assert any(abs(g.trend) > 0.001 for g in report["S1"].gaps)


def _library(client, name: str, since: datetime, until: datetime, zone: str = "UTC"):
    """A library query as the report and Grafana run it: the window and the time zone
    written into the SQL."""
    sql = expand(to_grafana(QUERIES[name].sql, zone), TimeRange(since, until, 60), {})
    return client.query(sql).result_rows


def _cli(client, name: str, since: datetime, until: datetime):
    """…and as `gapwatch query` runs it: the window as parameters."""
    parameters = {"since": since, "until": until}
    return client.query(QUERIES[name].sql, parameters=parameters).result_rows


@pytest.mark.parametrize(("since", "until"), WINDOWS, ids=lambda w: w)
def test_library_queries_count_any_window_exactly(seeded, since, until):
    start, end = _at(since), _at(until)
    raw_ratings = dict(
        _raw(
            seeded,
            "SELECT store_id, count() FROM satisfaction_events WHERE ts >= {since:DateTime} "
            "AND ts < {until:DateTime} GROUP BY store_id",
            start,
            end,
        )
    )
    raw_complaints = dict(_raw(seeded, _RAW_COMPLAINTS, start, end))
    hours = _library(seeded, "busiest_hours", start, end)
    assert sum(r[1] for r in hours) == sum(raw_ratings.values())
    assert sum(r[3] for r in hours) == sum(raw_complaints.values())
    versus = _library(seeded, "complaints_vs_satisfaction", start, end)
    assert {r[0]: (r[1], r[4]) for r in versus} == {
        s: (n, raw_complaints.get(s, 0)) for s, n in raw_ratings.items() if n >= 10
    }
    mix = _library(seeded, "gap_mix_by_store_week", start, end)
    assert sum(r[3] for r in mix if r[2] != "not_complaint") == sum(raw_complaints.values())
    surveys = _raw(
        seeded,
        "SELECT store_id, count() AS n FROM satisfaction_events WHERE ts >= {since:DateTime} "
        "AND ts < {until:DateTime} AND mapContains(perception, 'reliability') "
        "GROUP BY store_id HAVING n >= 10",
        start,
        end,
    )
    servqual = _library(seeded, "worst_stores_by_servqual", start, end)
    assert {r[2]: r[3] for r in servqual} == dict(surveys)
    for name, rows in [
        ("busiest_hours", hours),
        ("complaints_vs_satisfaction", versus),
        ("gap_mix_by_store_week", mix),
        ("worst_stores_by_servqual", servqual),
    ]:
        assert _cli(seeded, name, start, end) == rows, name


def test_busiest_hours_are_hours_of_the_users_day(seeded):
    rows = _library(seeded, "busiest_hours", START, END, zone="Asia/Shanghai")
    raw = dict(
        _raw(
            seeded,
            "SELECT toHour(ts, 'Asia/Shanghai') AS h, count() FROM satisfaction_events "
            "WHERE ts >= {since:DateTime} AND ts < {until:DateTime} GROUP BY h",
            START,
            END,
        )
    )
    assert {r[0]: r[1] for r in rows} == raw
    assert set(raw) == {21, 22, 23}


def test_complaints_per_rating_ranks_only_stores_with_ten_ratings(seeded):
    rows = _library(seeded, "complaints_vs_satisfaction", START, END)
    assert SPARSE_STORE not in {r[0] for r in rows}  # 250 complaints per 100 ratings
    assert {r[0] for r in rows} == set(BUSY_STORES)
    rates = [r[5] for r in rows]
    assert rates == sorted(rates, reverse=True)
