"""The gapwatch commands a user types, run as real processes or through click."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import PROJECT_ROOT
from pipeline.warehouse import connect, migrate

pytestmark = pytest.mark.e2e


@pytest.fixture
def seeded_env(settings):
    client = connect(settings.warehouse.dsn)
    migrate(client, PROJECT_ROOT / "infra" / "clickhouse" / "migrations")
    client.command(
        "INSERT INTO dead_letters (source_topic, partition, offset, reason, value, "
        "value_encoding, received_at) VALUES ('complaints', 1, 7, 'text: empty', '{}', "
        "'utf-8', now64(3))"
    )
    client.close()
    return settings.env()


def test_sql_prints_table_csv_and_json(seeded_env):
    runner = CliRunner()
    query = "SELECT source_topic, offset, reason FROM dead_letters"
    table = runner.invoke(main, ["sql", query], env=seeded_env)
    assert table.exit_code == 0, table.output
    assert "complaints" in table.output and "text: empty" in table.output
    csv = runner.invoke(main, ["sql", query, "--format", "csv"], env=seeded_env)
    assert csv.output.splitlines() == ["source_topic,offset,reason", "complaints,7,text: empty"]
    js = runner.invoke(main, ["sql", query, "--format", "json"], env=seeded_env)
    assert json.loads(js.output) == {
        "source_topic": "complaints",
        "offset": 7,
        "reason": "text: empty",
    }


def test_sql_refuses_writes_with_a_clear_error(seeded_env):
    result = CliRunner().invoke(main, ["sql", "TRUNCATE TABLE dead_letters"], env=seeded_env)
    assert result.exit_code == 1
    assert "read-only queries only" in result.output
    again = CliRunner().invoke(
        main, ["sql", "SELECT count() FROM dead_letters", "--format", "csv"], env=seeded_env
    )
    assert again.output.splitlines()[-1] == "1"


def test_a_bad_setting_is_a_usage_error_naming_the_variable(seeded_env):
    result = CliRunner().invoke(
        main, ["sql", "SELECT 1"], env={**seeded_env, "GAPWATCH_WEB_PORT": "x"}
    )
    assert result.exit_code == 2 and "GAPWATCH_WEB_PORT" in result.output


def test_demo_runs_the_whole_stack_and_ends_with_results(settings, tmp_path):
    # Workers record their lag every second, so the live view has it within a short run.
    env = {**settings.with_(health_interval_seconds=1.0).env(), "COLUMNS": "120"}
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", "demo", "--seconds", "4", "--rate", "100"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Summary from ClickHouse" in run.stdout
    # The live view's last frame: the last minutes, in the users' time zone.
    live = run.stdout.split("Summary from ClickHouse")[0]
    assert re.search(r"as of \d\d:\d\d:\d\d Asia/Shanghai", live)
    assert "Pipeline (rates over the last" in live and "open alerts" in live
    (events,) = [line for line in live.splitlines() if line.startswith("│ satisfaction-events")]
    cells = [c.strip() for c in events.strip("│ ").split("│")]
    received, _written, lag, _in_flight, p95, _dead = cells[1:]
    assert float(received.replace(",", "")) > 0
    assert re.fullmatch(r"[\d,]+", lag) and re.fullmatch(r"[\d.,]+ m?s", p95), cells
    report = settings.data_dir / "demo" / "report.html"
    assert "dashboards as a page:" in run.stdout
    page = report.read_text(encoding="utf-8")
    assert 'class="chart"' in page
    # A four-second run is drawn over minutes around it, not over 24 hours.
    since, until = re.search(
        r"GapWatch report (\S+ \S+) – (\S+ \S+) \(Asia/Shanghai, UTC\+08:00\)", page
    ).groups()
    span = datetime.fromisoformat(until) - datetime.fromisoformat(since)
    assert timedelta(minutes=5) <= span <= timedelta(minutes=10), (since, until)
    client = connect(settings.warehouse.dsn)
    try:
        events, stores = client.query(
            "SELECT count(), uniqExact(store_id) FROM satisfaction_events"
        ).result_rows[0]
        assert 300 <= events <= 400 and stores == 12
    finally:
        client.close()


@pytest.fixture
def library_env(settings):
    from tests.integration.seed import seed

    client = connect(settings.warehouse.dsn)
    migrate(client, PROJECT_ROOT / "infra" / "clickhouse" / "migrations")
    seed(client)
    client.close()
    return settings.env()


def test_warehouse_migrate_is_idempotent(settings):
    env = settings.env()
    first = CliRunner().invoke(main, ["warehouse", "migrate"], env=env)
    assert first.exit_code == 0, first.output
    assert "applied 0001_base" in first.output and "applied 0003_rollups" in first.output
    assert "retention set on" in first.output
    again = CliRunner().invoke(main, ["warehouse", "migrate"], env=env)
    assert "schema up to date" in again.output and "retention" not in again.output


def test_query_lists_the_library_and_runs_a_query(library_env):
    listing = CliRunner().invoke(main, ["query", "--format", "json"], env=library_env)
    names = {
        json.loads(line)["name"]: json.loads(line)["answers"]
        for line in listing.output.splitlines()
    }
    assert names["busiest_hours"].startswith("Busiest hours of the day")
    assert len(names) == 8
    result = CliRunner().invoke(
        main,
        [
            "query",
            "busiest_hours",
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-30",
            "--format",
            "csv",
        ],
        env=library_env,
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "hour_of_day,ratings,mean_score,complaints",
        "10,27,3.074,0",
        "14,5,2.8,4",
        "9,4,4.0,5",
    ]
    unknown = CliRunner().invoke(main, ["query", "nope"], env=library_env)
    assert unknown.exit_code == 2 and "known: " in unknown.output


def test_export_writes_parquet_from_sql_or_a_library_query(library_env, tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "hours.parquet"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "busiest_hours",
            "--out",
            str(out),
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-30",
        ],
        env=library_env,
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).to_pylist()[0] == {
        "hour_of_day": 10,
        "ratings": 27,
        "mean_score": 3.074,
        "complaints": 0,
    }
    sql_out = tmp_path / "stores.parquet"
    CliRunner().invoke(
        main,
        [
            "export",
            "SELECT DISTINCT store_id FROM satisfaction_events ORDER BY store_id",
            "--out",
            str(sql_out),
        ],
        env=library_env,
    )
    assert pq.read_table(sql_out).column("store_id").to_pylist() == ["S1", "S2", "S3"]
    refused = CliRunner().invoke(
        main, ["export", "DROP TABLE complaints", "--out", str(sql_out)], env=library_env
    )
    assert refused.exit_code == 1 and "read-only queries only" in refused.output


def test_bench_warehouse_seeds_and_times_every_query(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "bench",
            "warehouse",
            "--events",
            "20000",
            "--complaints",
            "2000",
            "--repeats",
            "1",
            "--path",
            str(tmp_path / "bench"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "seeded 20,000 events and 2,000 complaints" in run.stdout
    for name in (
        "worst stores, last 24 h",
        "row counts",
        "gap_mix_by_store_week",
        "worst_stores_by_servqual",
        "agents_with_most_delivery_gaps",
    ):
        assert name in run.stdout
    client = connect(f"chdb://{tmp_path / 'bench'}")
    try:
        assert client.query("SELECT sum(ratings) FROM satisfaction_hour").result_rows == [(20000,)]
        assert client.query("SELECT sum(complaints) FROM complaints_minute").result_rows == [
            (2000,)
        ]
    finally:
        client.close()


def test_bench_pipeline_measures_ceilings_and_pipeline_in_one_run(settings, tmp_path):
    written = tmp_path / "benchmarks.md"
    written.write_text("# Benchmarks\n\nProse that the benchmark must keep.\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "bench",
            "pipeline",
            "--events",
            "3000",
            "--complaints",
            "600",
            "--latency-seconds",
            "3",
            "--rate",
            "200",
            "--rounds",
            "2",
            "--write",
            str(written),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**settings.env(), "COLUMNS": "250"},
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    for figure in (
        "raw consume, aiokafka getmany",
        "bare Faust agent, one topic",
        "bare Faust agent, the worker's four topics",
        "the worker's batching loop with nothing to validate or write",
        "raw chDB insert",
        "raw classification",
        "pipeline: satisfaction events",
        "pipeline: complaints with classification",
        "p99",
        "worker memory",
    ):
        assert figure in run.stdout, figure
    assert "of “bare Faust agent, the worker's four topics”" in run.stdout
    # The file keeps its prose and gains one results block: machine, versions, command, table.
    doc = written.read_text()
    assert doc.startswith("# Benchmarks\n\nProse that the benchmark must keep.\n")
    assert doc.count("<!-- gapwatch bench pipeline: begin -->") == 1
    for line in ("- machine: ", "- versions: Python 3.", "faust-streaming", "chdb"):
        assert line in doc, line
    assert "- command: `gapwatch bench pipeline --events 3000" in doc
    assert "worker memory (RSS) through the steady run" in doc
    table = [r for r in doc.splitlines() if r.startswith("| pipeline: satisfaction events")]
    assert len(table) == 1 and len(table[0].split("|")[3].split(";")) == 2  # two rounds


SHANGHAI_DAY = "2026-11-20"


def _complaints_between(
    client, first: datetime, last: datetime, every: timedelta, shift: datetime | None = None
) -> None:
    """A complaint every `every`, written as it happened; from `shift` on, all gap 3."""
    rows, at, n = [], first, 0
    while at < last:
        gap = "gap3_delivery" if (shift and at >= shift) or n % 2 else "gap1_knowledge"
        rows.append((f"c{n}", at, f"S{n % 3}", "app", "……", gap, 0.6, "t", 0, n, at))
        at, n = at + every, n + 1
    client.insert(
        "complaints",
        rows,
        column_names=[
            "complaint_id",
            "ts",
            "store_id",
            "channel",
            "text",
            "gap",
            "gap_confidence",
            "model_version",
            "source_partition",
            "source_offset",
            "ingested_at",
        ],
    )


def test_report_gaps_counts_a_window_off_the_hour_and_shows_the_trend(settings):
    client = connect(settings.warehouse.dsn)
    migrate(client, PROJECT_ROOT / "infra" / "clickhouse" / "migrations")
    # 21:50–22:20 in Shanghai is 13:50–14:20 UTC: a complaint every 7 seconds.
    start = datetime(2026, 11, 20, 13, 50, tzinfo=UTC)
    since, until = start + timedelta(minutes=5), start + timedelta(minutes=20)
    middle = since + (until - since) / 2
    every = timedelta(seconds=7)
    _complaints_between(client, start, start + timedelta(minutes=30), every, shift=middle)
    raw = {}
    for name, (lo, hi) in {
        "all": (since, until),
        "first": (since, middle),
        "second": (middle, until),
    }.items():
        raw[name] = dict(
            client.query(
                "SELECT store_id, count() FROM complaints WHERE ts >= {lo:DateTime} "
                "AND ts < {hi:DateTime} GROUP BY store_id",
                parameters={"lo": lo, "hi": hi},
            ).result_rows
        )
    client.close()
    result = CliRunner().invoke(
        main,
        ["report", "gaps", "--since", f"{SHANGHAI_DAY}T21:55", "--until", f"{SHANGHAI_DAY}T22:10"],
        env={**settings.env(), "COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert (
        "trend: 2026-11-20 22:02:30 to 2026-11-20 22:10:00 "
        "against 2026-11-20 21:55:00 to 2026-11-20 22:02:30"
    ) in result.output
    shown = {
        m.group(1): tuple(int(g) for g in m.groups()[1:])
        for m in re.finditer(r"│ (S\d)\s+│ (\d+)\s+│ (\d+) → (\d+)", result.output)
    }
    assert shown == {
        store: (n, raw["first"][store], raw["second"][store]) for store, n in raw["all"].items()
    }
    # Half of each store's complaints were gap 3 before the middle, all of them after.
    assert len(re.findall(r"gap3_delivery \d+% \(\d+\) ↑ \+[3-6]\d pts", result.output)) == 3


def test_report_defaults_to_the_data_and_the_configured_time_zone(settings, tmp_path):
    client = connect(settings.warehouse.dsn)
    migrate(client, PROJECT_ROOT / "infra" / "clickhouse" / "migrations")
    burst = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)
    _complaints_between(client, burst, burst + timedelta(minutes=4), timedelta(seconds=10))
    client.close()
    out = tmp_path / "report.html"
    for zone, offset in (("Asia/Shanghai", 8), ("UTC", 0)):
        result = CliRunner().invoke(
            main,
            ["report", "--out", str(out)],
            env={**settings.env(), "GAPWATCH_TIMEZONE": zone},
        )
        assert result.exit_code == 0, result.output
        first = (burst + timedelta(hours=offset)).replace(tzinfo=None)
        start, end = first - timedelta(minutes=1), first + timedelta(minutes=4)
        shown = f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"
        assert f"for {shown} {zone}" in result.output
        assert f"GapWatch report {shown} ({zone}, UTC+{offset:02d}:00)" in out.read_text()
