"""Every Grafana panel, annotation, variable and alert rule, run on chDB filled by the real
pipeline (embedded broker → worker → ClickHouse), and the HTML report drawn in Chromium."""

from __future__ import annotations

import html
import json
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer
from PIL import Image

from pipeline.config import PROJECT_ROOT, Settings
from pipeline.embedded import FETCH_MAX_WAIT_MS, EmbeddedBroker
from pipeline.panels import TimeRange, dashboards, expand, run_dashboard
from pipeline.panels.alerting import RULES
from pipeline.panels.html_report import write_report
from pipeline.panels.ops import OPS
from pipeline.panels.run import all_values, run_sql
from pipeline.simulate import Scenario
from pipeline.warehouse import connect

pytestmark = pytest.mark.e2e

INFRA = PROJECT_ROOT / "infra"
DROP_STORE = "S900"
CHROMIUM = "/usr/bin/chromium"


@dataclass(frozen=True)
class Filled:
    dsn: str
    since: datetime
    until: datetime
    stores: set[str]


def _history(producer: KafkaProducer, now: datetime) -> tuple[int, int]:
    """Three days of simulated traffic with recovery steps, and four days of one steady store
    whose share of 4–5 falls from 80% to 30% for the last two hours, so an alert is open.
    Sent in event-time order, as live traffic arrives."""
    records: list[tuple[datetime, str, str, dict | bytes]] = []
    scenario = Scenario(seed=11, stores=6, run_id=uuid.uuid4().hex[:6], invalid_share=0.01)
    moment = now - timedelta(days=3)
    while moment < now - timedelta(minutes=1):
        for record in [*scenario.due(moment), *scenario.records(moment)]:
            records.append((moment, record.topic, record.key, record.value))
        moment += timedelta(minutes=1)
    start = (now - timedelta(days=4)).replace(minute=0, second=0, microsecond=0)
    drop_at = now - timedelta(hours=2)
    n, at = 0, start
    while at < now - timedelta(minutes=10):
        bad = at >= drop_at
        for i in range(20):  # 120 ratings an hour
            event = {
                "event_id": f"drop-{n}",
                "ts": (at + timedelta(seconds=i)).isoformat(),
                "store_id": DROP_STORE,
                "channel": "store",
                "score": 5 if i < (6 if bad else 16) else 2,
            }
            records.append((at, "satisfaction-events", DROP_STORE, event))
            n += 1
        if bad and at.minute < 10:
            complaint = {
                "complaint_id": f"drop-c-{n}",
                "ts": (at + timedelta(minutes=5)).isoformat(),
                "store_id": DROP_STORE,
                "channel": "store",
                "text": "店员态度很差，爱理不理的",
            }
            records.append((at, "complaints", DROP_STORE, complaint))
        at += timedelta(minutes=10)
    records.sort(key=lambda r: r[0])
    for _, topic, key, value in records:
        raw = value if isinstance(value, bytes) else orjson.dumps(value)
        producer.send(topic, key=key.encode(), value=raw)
    producer.flush()
    count = lambda topic: sum(1 for r in records if r[1] == topic)  # noqa: E731
    return count("satisfaction-events"), count("complaints")


def _wait_for_drop_alert(bootstrap: str, timeout: float) -> None:
    """The worker publishes every alert to the alerts topic (its warehouse is not ours to
    open while it runs): wait there for the drop store's alert."""
    consumer = KafkaConsumer(
        "alerts",
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=1000,
    )
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for message in consumer:
                alert = orjson.loads(message.value)
                if alert["kind"] == "satisfaction_drop" and alert["store_id"] == DROP_STORE:
                    return
        raise AssertionError(f"no satisfaction-drop alert for {DROP_STORE} in {timeout}s")
    finally:
        consumer.close()


def _caught_up(stats: dict) -> bool:
    lag = stats["lag"]
    return "satisfaction-events" in lag and not any(lag.values())


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[Filled]:
    from tests.e2e.conftest import worker_process

    tmp = tmp_path_factory.mktemp("panels")
    broker = EmbeddedBroker()
    broker.create_topics()
    settings = Settings().with_(
        clickhouse_dsn=f"chdb://{tmp / 'chdb'}",
        model_dir=model_dir,
        data_dir=tmp / "var",
        kafka_bootstrap=broker.bootstrap,
        kafka_declare_topics=False,
        kafka_fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        app_id=f"gapwatch-panels-{uuid.uuid4().hex[:6]}",
        alert_interval_seconds=1.0,
        alert_replay_days=30,
        health_interval_seconds=1.0,
    )
    now = datetime.now(UTC).replace(microsecond=0)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", linger_ms=5)
    ratings, complaints = _history(producer, now)
    producer.close()
    with worker_process(settings, tmp) as worker:
        worker.wait_until(
            lambda t: (
                t["satisfaction-events"]["received"] >= ratings
                and t["complaints"]["received"] >= complaints
            ),
            timeout=240,
        )
        _wait_for_drop_alert(broker.bootstrap, timeout=120)
        # The last lag the worker recorded in pipeline_health shows nothing left to write.
        worker.wait_until(lambda _t: _caught_up(worker.stats()["worker"]), timeout=60)
        assert worker.stop() == 0
    client = connect(settings.warehouse.dsn)
    stores = {r[0] for r in client.query("SELECT DISTINCT store_id FROM complaints").result_rows}
    client.close()
    yield Filled(settings.warehouse.dsn, now - timedelta(days=3), datetime.now(UTC), stores)


@pytest.fixture
def client(filled: Filled):
    c = connect(filled.dsn)
    yield c
    c.close()


def _has_values(rows: list[tuple]) -> bool:
    return any(v is not None for row in rows for v in row)


@pytest.mark.parametrize("dashboard", dashboards(INFRA), ids=lambda d: d.uid)
def test_every_panel_returns_its_columns_with_data(dashboard, filled, client):
    window = TimeRange.of(filled.since, filled.until)
    results = run_dashboard(client, dashboard, window)
    assert len(results) == len(list(dashboard.panels()))
    for r in results:
        assert r.columns == r.panel.columns, r.panel.title
        assert r.rows and _has_values(r.rows), f"{r.panel.title}: no data\n{r.sql}"


def test_panels_follow_the_store_variable(filled, client):
    window = TimeRange.of(filled.since, filled.until)
    values = all_values(client, OPS)
    assert filled.stores <= set(values["store"]) and DROP_STORE in values["store"]
    only = {**values, "store": [DROP_STORE]}
    (worst,) = [
        r for r in run_dashboard(client, OPS, window, only) if r.panel.title.startswith("Worst")
    ]
    assert [row[0] for row in worst.rows] == [DROP_STORE]
    assert worst.rows[0][2] == pytest.approx(0.3, abs=0.05)  # 6 good of 20 in the drop
    (gaps,) = [
        r for r in run_dashboard(client, OPS, window, only) if r.panel.title == "Gap mix by store"
    ]
    assert [row[0] for row in gaps.rows] == [DROP_STORE]


def test_the_alert_annotation_shows_the_open_drop(filled, client):
    window = TimeRange.of(filled.since, filled.until)
    (annotation,) = OPS.annotations
    columns, rows = run_sql(client, expand(annotation.sql, window, all_values(client, OPS)))
    assert columns == annotation.columns
    assert any(DROP_STORE in text and "satisfaction_drop" in tags for _, _, text, tags in rows)


def test_every_alert_rule_query_runs_and_the_drop_rule_fires(filled, client):
    values = {}
    for rule in RULES:
        window = TimeRange.of(filled.until - timedelta(seconds=rule.window_s), filled.until)
        columns, rows = run_sql(client, expand(rule.sql, window, {}))
        assert columns == rule.columns, rule.title
        values[rule.uid] = rows
    firing = [row for row in values["gapwatch-satisfaction-drop"] if row[-1] > 0]
    drop_rule = next(r for r in RULES if r.uid == "gapwatch-satisfaction-drop")
    store = drop_rule.columns.index("store_id")
    assert any(row[store] == DROP_STORE for row in firing)
    # Data is flowing and nothing is behind: the health rules stay quiet.
    (rows_written,) = values["gapwatch-no-data"]
    assert rows_written[0] >= 1
    assert values["gapwatch-consumer-lag"] and all(
        r[-1] == 0 for r in values["gapwatch-consumer-lag"]
    )


WIDTH = 1400  # the browser window; the page is laid out at this width on both runs


def _chromium(tmp_path: Path, page: Path, height: int, *output: str) -> str:
    """Headless Chromium on a fresh profile with nothing running in the background; returns
    what it prints (the DOM with --dump-dom)."""
    profile = tmp_path / f"profile-{uuid.uuid4().hex[:6]}"
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={profile}",
            f"--window-size={WIDTH},{height}",
            "--virtual-time-budget=30000",
            *output,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    ).stdout


def _attribute(tag: str, name: str) -> object:
    found = re.search(rf'{name}="([^"]*)"', tag)
    assert found, f"no {name} on {tag[:200]}"
    return json.loads(html.unescape(found.group(1)))


def _ink(image: Image.Image, box: tuple[int, int, int, int]) -> list[tuple[int, int]]:
    """Pixels of a plot area (x, y from its top left) that carry colour (traces), not white,
    grid or text grey."""
    pixels = np.asarray(image.crop(box).convert("RGB"), dtype=np.int16)
    ys, xs = np.nonzero(pixels.max(axis=2) - pixels.min(axis=2) > 60)
    return list(zip(xs.tolist(), ys.tolist(), strict=True))


def test_the_html_report_draws_every_chart_in_chromium(filled, client, tmp_path):
    """Rendered to a PNG: every chart has coloured pixels in its plot area, and the lines of
    shares and scores sit where a fixed 0–100% or 1–5 axis puts their values (an axis fitted
    to the data would stretch them from top to bottom)."""
    out = tmp_path / "report.html"
    with_data = write_report(client, INFRA, filled.since, filled.until, out, "Asia/Shanghai")
    total = sum(len(list(d.panels())) for d in dashboards(INFRA))
    assert with_data == total
    dom = _chromium(tmp_path, out, 1000, "--dump-dom")
    assert 'data-drawn="' in dom, "Plotly did not finish drawing"
    assert "No data yet" not in dom
    panels = re.findall(r'<section class="panel".*?</section>', dom, flags=re.S)
    assert len(panels) == total
    charts: dict[str, tuple[int, int, int, int]] = {}
    for panel in panels:
        title = html.unescape(re.search(r"<h3>(.*?)</h3>", panel).group(1))
        kind = re.search(r'data-kind="(\w+)"', panel).group(1)
        if kind in ("table", "stat"):
            assert re.search(r"<td|class=\"stat\"", panel), f"{title}: nothing shown"
            continue
        chart = re.search(r'<div class="chart[^>]*>', panel).group(0)
        assert int(_attribute(chart, "data-points")) > 0, f"{title}: chart empty"
        left, top, width, height = (round(v) for v in _attribute(chart, "data-plot"))
        charts[title] = (left, top, left + width, top + height)
    page_height = int(re.search(r'data-height="(\d+)"', dom).group(1))
    shot = tmp_path / "report.png"
    _chromium(tmp_path, out, page_height, f"--screenshot={shot}")
    image = Image.open(shot)
    assert image.size == (WIDTH, page_height)
    for title, box in charts.items():
        # An empty plot area is white and grey only; a marker alone is a few dozen pixels.
        assert len(_ink(image, box)) >= 5, f"{title}: no coloured pixels where the chart is"

    window = TimeRange.of(filled.since, filled.until)
    results = {r.panel.title: r for r in run_dashboard(client, OPS, window)}
    for title, (low, high) in {
        "Share of 4–5 scores by store": (0.0, 1.0),
        "Mean score by channel": (1.0, 5.0),
        "Mean classifier confidence": (0.0, 1.0),
    }.items():
        values = [row[-1] for row in results[title].rows if row[-1] is not None]
        _, top, _, bottom = charts[title]
        rows = [y for _, y in _ink(image, charts[title])]
        height = bottom - top
        # Where a fixed axis puts the largest and the smallest value, give or take a marker.
        slack = 8 + 0.02 * height
        assert min(rows) == pytest.approx((high - max(values)) / (high - low) * height, abs=slack)
        assert max(rows) == pytest.approx((high - min(values)) / (high - low) * height, abs=slack)
