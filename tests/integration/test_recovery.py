"""Service recovery on seed data with known answers: lifecycle, metrics, paradox, SLAs, report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.alerting import AlertRunner
from pipeline.alerting.sla import SlaTargets
from pipeline.config import PROJECT_ROOT
from pipeline.reports.gaps import gap_report
from pipeline.warehouse import connect, migrate
from pipeline.warehouse.library import library
from pipeline.warehouse.readonly import read
from pipeline.warehouse.tables import COMPLAINT_UPDATES, COMPLAINTS, SATISFACTION_EVENTS

pytestmark = pytest.mark.integration
MON = datetime(2026, 3, 2, tzinfo=UTC)
TUE = MON + timedelta(days=1)
QUERIES = library(PROJECT_ROOT / "infra" / "clickhouse" / "queries")
WINDOW = {"since": MON, "until": MON + timedelta(days=2)}

# complaint_id, received, store, channel, gap, dimension, customer
COMPLAINT_SEED = [
    ("c1", MON.replace(hour=10), "S1", "app", "gap3_delivery", "assurance", "K1"),
    ("c2", MON.replace(hour=11), "S1", "app", "gap3_delivery", "assurance", "K2"),
    ("c3", MON.replace(hour=12), "S2", "store", "gap2_standards", "empathy", "K3"),
    ("c4", TUE.replace(hour=13), "S2", "store", "gap4_communication", "reliability", None),
    ("c5", MON.replace(hour=9), "S1", "app", "gap1_knowledge", "empathy", "K9"),
]
# complaint_id, at, status, recovery_score
UPDATE_SEED = [
    ("c1", MON.replace(hour=10, minute=30), "acknowledged", None),
    ("c1", MON.replace(hour=14), "resolved", 5),
    ("c2", MON.replace(hour=14), "acknowledged", None),  # 3 h: first-response SLA missed
    ("c2", MON.replace(hour=16), "resolved", None),
    ("c2", MON.replace(hour=18), "reopened", None),
    ("c4", TUE.replace(hour=13, minute=20), "resolved", 2),
    ("c4", TUE.replace(hour=15), "closed", None),
    ("c5", MON.replace(hour=9, minute=30), "reopened", None),  # before any resolution
    ("zz", MON.replace(hour=12), "acknowledged", None),  # no such complaint
]
# customer, at, score
RATING_SEED = [
    ("K1", MON.replace(hour=8), 1),  # before K1's complaint: not counted for K1
    ("K1", TUE.replace(hour=10), 5),
    ("K1", TUE.replace(hour=11), 5),
    ("K2", TUE.replace(hour=10), 2),
    ("K3", TUE.replace(hour=10), 1),
    ("N1", TUE.replace(hour=10), 4),
    ("N1", TUE.replace(hour=12), 3),
]


@pytest.fixture
def client(tmp_path):
    client = connect(f"chdb://{tmp_path / 'chdb'}")
    migrate(client, PROJECT_ROOT / "infra" / "clickhouse" / "migrations")
    client.insert(
        "complaints",
        [
            (cid, at, store, channel, "……", customer, None, None, gap, 0.9, dim, 0.8, "t", [], 0, i)
            for i, (cid, at, store, channel, gap, dim, customer) in enumerate(COMPLAINT_SEED)
        ],
        column_names=list(COMPLAINTS.columns),
    )
    client.insert(
        "complaint_updates",
        [
            (cid, at, status, None, score, None, 0, i)
            for i, (cid, at, status, score) in enumerate(UPDATE_SEED)
        ],
        column_names=list(COMPLAINT_UPDATES.columns),
    )
    client.insert(
        "satisfaction_events",
        [
            (f"e{i}", at, "S1", "app", None, customer, score, {}, {}, 0, i)
            for i, (customer, at, score) in enumerate(RATING_SEED)
        ],
        column_names=list(SATISFACTION_EVENTS.columns),
    )
    yield client
    client.close()


def test_lifecycle_states_times_and_explained_oddities(client):
    rows = {
        r[0]: r[1:]
        for r in client.query(
            "SELECT complaint_id, status, minutes_to_first_response, hours_to_resolution, reopens, "
            "recovery_score, issues FROM complaint_lifecycle"
        ).result_rows
    }
    assert rows["c1"] == ("resolved", 30.0, 4.0, 0, 5, [])
    assert rows["c2"] == ("reopened", 180.0, 5.0, 1, None, [])
    assert rows["c3"] == ("received", None, None, 0, None, [])
    assert rows["c4"] == ("closed", 20.0, pytest.approx(1 / 3), 0, 2, [])
    assert rows["c5"] == ("reopened", None, None, 1, None, ["reopened before it was ever resolved"])
    assert client.query(
        "SELECT complaint_id, reason FROM orphan_complaint_updates"
    ).result_rows == [("zz", "no complaint with this id has been received (yet)")]


def test_recovery_metrics_by_day(client):
    rows = read(client, QUERIES["recovery_by_day"].sql, WINDOW)[1]
    mon, tue = MON.replace(tzinfo=None), TUE.replace(tzinfo=None)
    assert [r[:6] for r in rows] == [
        (mon, "S1", "app", "gap1_knowledge", "empathy", 1),
        (mon, "S1", "app", "gap3_delivery", "assurance", 2),
        (mon, "S2", "store", "gap2_standards", "empathy", 1),
        (tue, "S2", "store", "gap4_communication", "reliability", 1),
    ]
    # mean/median minutes to first response, mean/median hours to resolution, rates, recovery
    assert rows[1][6:] == (105.0, 105.0, 4.5, 4.5, 0.5, 0.5, 5.0)
    assert rows[0][6:] == (None, None, None, None, 0.0, 1.0, None)
    assert rows[3][6:] == (20.0, 20.0, 0.33, 0.33, 1.0, 0.0, 2.0)
    hourly = read(client, QUERIES["recovery_by_hour"].sql, WINDOW)[1]
    assert [(r[0].hour, r[5]) for r in hourly] == [(9, 1), (10, 1), (11, 1), (12, 1), (13, 1)]


def test_the_recovery_paradox_view(client):
    assert read(client, QUERIES["recovery_paradox"].sql, WINDOW)[1] == [
        ("complaint not resolved", 2, 2, 1.5, 0.0),
        ("complaint resolved", 1, 2, 5.0, 1.0),
        ("no complaint", 1, 2, 3.5, 0.5),
    ]


def test_sla_breaches_raise_alerts_on_the_alert_path(client):
    runner = AlertRunner(client, sla=SlaTargets(timedelta(hours=2), timedelta(hours=48)))
    records = runner.step()
    breaches = {(r.event.complaint_id, r.event.kind, r.state) for r in records}
    assert breaches == {
        ("c2", "sla_first_response", "resolved"),
        ("c3", "sla_first_response", "open"),
        ("c5", "sla_first_response", "open"),
    }
    c3 = next(r for r in records if r.event.complaint_id == "c3")
    assert c3.event.opened_at == MON.replace(hour=14)  # the deadline, in event time
    assert "gap 2 (standards)" in c3.why.likely_cause
    assert client.query(
        "SELECT count() FROM alerts FINAL WHERE kind = 'sla_first_response'"
    ).result_rows == [(3,)]
    # c3 is answered late: the same alert resolves, nothing new opens.
    client.insert(
        "complaint_updates",
        [("c3", TUE.replace(hour=16), "acknowledged", None, None, None, 0, 99)],
        column_names=list(COMPLAINT_UPDATES.columns),
    )
    later = runner.step()
    assert [(r.event.complaint_id, r.state) for r in later] == [("c3", "resolved")]
    assert AlertRunner(client, sla=SlaTargets()).step() == []  # a restart repeats nothing


def test_gap_report_per_store(client):
    stores = {s.store_id: s for s in gap_report(client, MON, MON + timedelta(days=2))}
    s1 = stores["S1"]
    assert (s1.complaints, s1.gaps[0].gap, s1.gaps[0].complaints) == (3, "gap3_delivery", 2)
    assert s1.gaps[0].trend is None  # all of S1's complaints came in the first half
    assert s1.dimensions[0] == ("assurance", 2)
    assert "train, empower and equip staff" in s1.action
    s2 = stores["S2"]
    assert {g.gap: g.trend for g in s2.gaps} == {"gap2_standards": -1.0, "gap4_communication": 1.0}
    assert [s.store_id for s in gap_report(client, MON, MON + timedelta(days=2), "S2")] == ["S2"]
