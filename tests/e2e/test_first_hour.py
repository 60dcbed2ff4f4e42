"""A newcomer's first hour: errors in one line, reads while the worker runs, the review loop
on the embedded default, and a demo that trains first and stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import orjson
import pytest

from pipeline.processes import free_port
from pipeline.warehouse import connect
from tests.e2e.conftest import worker_process

pytestmark = pytest.mark.e2e
NO_BROKER = "127.0.0.1:1"  # nothing listens on port 1


def gapwatch(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line_error(run: subprocess.CompletedProcess, *phrases: str) -> None:
    """Exit 1 or 2, no traceback, and an error line holding every phrase."""
    assert run.returncode in (1, 2), run
    assert "Traceback" not in run.stderr, run.stderr
    errors = [ln for ln in run.stderr.splitlines() if ln.startswith("Error")]
    assert len(errors) == 1, run.stderr
    for phrase in phrases:
        assert phrase in errors[0], errors[0]


@pytest.fixture
def env(settings):
    return settings.with_(kafka_connect_timeout=3.0).env()


def test_no_broker_is_one_line_for_simulate_worker_and_topics(env):
    no_broker = {**env, "GAPWATCH_KAFKA_BOOTSTRAP": NO_BROKER}
    one_line_error(
        gapwatch(no_broker, "simulate", "--seconds", "1"), "no Kafka broker answered", NO_BROKER
    )
    one_line_error(gapwatch(no_broker, "worker"), "no Kafka broker answered", NO_BROKER)
    one_line_error(gapwatch(no_broker, "topics", "create"), "no Kafka broker answered")
    # The traceback is there for who asks for it.
    debug = gapwatch(no_broker, "--debug", "worker")
    assert debug.returncode != 0 and "Traceback" in debug.stderr
    assert "BrokerUnreachable" in debug.stderr


def test_a_taken_port_and_a_taken_chdb_path_are_one_line(env, broker, settings):
    with socket.socket() as sock:
        sock.bind((settings.web.bind, 0))
        sock.listen()
        port = sock.getsockname()[1]
        run = gapwatch(
            {**env, "GAPWATCH_KAFKA_BOOTSTRAP": broker.bootstrap, "GAPWATCH_WEB_PORT": str(port)},
            "worker",
        )
    one_line_error(run, f"port {port}", "already in use", "GAPWATCH_WEB_PORT")
    # This process holds the chDB path (as a second worker would find it): no worker to
    # read through, so the worker refuses in one line naming the path.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pipeline.warehouse import connect; "
            f"c = connect({settings.warehouse.dsn!r}); print('open', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        run = gapwatch(
            {
                **env,
                "GAPWATCH_KAFKA_BOOTSTRAP": broker.bootstrap,
                "GAPWATCH_WEB_PORT": str(free_port()),
            },
            "worker",
        )
        one_line_error(run, "chDB path", "in use by another process")
        one_line_error(gapwatch(env, "sql", "SELECT 1"), "in use by another process")
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_dsn_and_sql_mistakes_are_one_line(env, settings):
    one_line_error(
        gapwatch({**env, "GAPWATCH_CLICKHOUSE_DSN": "chdb:/x"}, "sql", "SELECT 1"),
        "chdb:/x",
        "chdb:///absolute/path",
    )
    one_line_error(gapwatch(env, "sql", "SELECT 1; SELECT 2"), "one statement at a time")
    semicolon_in_text = gapwatch(env, "sql", "SELECT 'a;b' AS s;", "--format", "csv")
    assert semicolon_in_text.stdout.splitlines() == ["s", "a;b"]
    empty = gapwatch(env, "sql", "SELECT 1 AS n WHERE 0")
    assert empty.returncode == 0 and empty.stdout.startswith("(no rows")
    version = gapwatch(env, "--version")
    assert version.returncode == 0 and version.stdout.startswith("gapwatch, version ")


def test_tables_piped_are_full_width(env):
    wide = "x" * 150
    run = gapwatch(env, "sql", f"SELECT '{wide}' AS a_rather_long_column_name, 1 AS n")
    assert wide in run.stdout and "a_rather_long_column_name" in run.stdout


def test_reads_and_the_review_loop_go_through_the_running_worker(
    small, broker, produce_complaints, tmp_path
):
    """On the embedded default the worker holds the chDB path; every other command reads
    (and review import writes its labels) through it, and train's model reaches it."""
    config = small.with_(
        kafka_bootstrap=broker.bootstrap,
        model_reload_seconds=2.0,
        review_threshold=1.0,  # every complaint waits for a human: plenty to review
    )
    env = config.env()
    texts = ["师傅迟到两个小时还态度差", "退款一个月了还没到账", "广告说包邮结果收运费"]
    with worker_process(config, tmp_path) as worker:
        produce_complaints("fh", 0, 30, texts, stores=3)
        worker.wait_until(lambda t: t.get("complaints", {}).get("written", 0) == 30)
        before = worker.stats()["classifier"]["model_version"]

        count = gapwatch(env, "sql", "SELECT count() AS n FROM complaints", "--format", "csv")
        assert count.returncode == 0, count.stderr
        assert count.stdout.splitlines() == ["n", "30"]
        listed = gapwatch(env, "query", "gap_mix_by_store_week", "--format", "json")
        assert listed.returncode == 0 and listed.stdout.strip(), listed.stderr
        out = tmp_path / "mix.parquet"
        exported = gapwatch(env, "export", "gap_mix_by_store_week", "--out", str(out))
        assert exported.returncode == 0 and out.exists(), exported.stderr
        report = gapwatch(env, "report", "--out", str(tmp_path / "r.html"))
        assert report.returncode == 0, report.stderr
        # Writes other than review labels are refused by ClickHouse's own read-only mode.
        one_line_error(gapwatch(env, "sql", "TRUNCATE TABLE complaints"), "read-only")

        exported = gapwatch(env, "review", "export", "--out", str(tmp_path / "review.jsonl"))
        assert exported.returncode == 0, exported.stderr
        waiting = [orjson.loads(x) for x in (tmp_path / "review.jsonl").read_bytes().splitlines()]
        # The same text sent by many customers is asked about once.
        assert sorted(w["text"] for w in waiting) == sorted(texts)
        labeled = tmp_path / "labeled.jsonl"
        labeled.write_text(
            "".join(
                json.dumps({**w, "gap": "gap3_delivery", "dimension": "reliability"}) + "\n"
                for w in waiting
            ),
            encoding="utf-8",
        )
        imported = gapwatch(env, "review", "import", str(labeled))
        assert imported.returncode == 0 and "stored 3 labels" in imported.stdout, imported
        trained = gapwatch(env, "train")
        assert trained.returncode == 0 and "3 review labels" in trained.stderr, trained.stderr
        worker.wait_until(
            lambda _t: worker.stats()["classifier"]["model_version"] != before, timeout=120
        )
        assert worker.stop() == 0

    client = connect(config.warehouse.dsn)
    try:
        assert client.query("SELECT count() FROM review_labels").result_rows == [(3,)]
        assert client.query("SELECT count() FROM complaints").result_rows == [(30,)]
    finally:
        client.close()


def demo(env: dict, seconds: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "demo", "--seconds", str(seconds), "--rate", "60"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # like a terminal: the signal goes to the demo alone
    )


def test_a_first_demo_trains_first_and_ctrl_c_stops_it_in_order(small, tmp_path):
    config = small.with_(data_dir=tmp_path / "var")
    env = config.env()
    demo_dir = tmp_path / "var" / "demo"
    assert not small.classifier.model_dir.exists()
    proc = demo(env, seconds=600)
    # The simulator starts once the worker is ready; then wait, reading through the worker,
    # until ratings are being written: Ctrl-C lands mid-stream.
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not (demo_dir / "simulate.log").exists():
        assert proc.poll() is None, proc.communicate()[0][-3000:]
        time.sleep(0.5)
    assert (
        small.classifier.model_dir / "gap_classifier.joblib"
    ).exists()  # trained before the worker
    written = 0
    while time.monotonic() < deadline and written < 100:
        run = gapwatch(env, "sql", "SELECT count() FROM satisfaction_events", "--format", "csv")
        written = int(run.stdout.splitlines()[-1]) if run.returncode == 0 else 0
        time.sleep(1)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, output[-3000:]
    assert "no trained classifier" in output and "training it once" in output
    order = [
        "stopping the simulator",
        "letting the worker write",
        "stopping the worker, then the broker",
        "Summary from ClickHouse",
    ]
    positions = [output.find(phrase) for phrase in order]
    assert -1 not in positions and positions == sorted(positions), output[-3000:]
    # The broker outlived the worker: not one reconnect error in the worker's log.
    assert "Connection refused" not in (demo_dir / "worker.log").read_text(errors="replace")
    produced = json.loads((demo_dir / "simulate.log").read_text().strip().splitlines()[-1])
    assert produced["stopped_early"] is True
    client = connect(config.warehouse.dsn)
    try:
        [(ratings,)] = client.query("SELECT count() FROM satisfaction_events").result_rows
    finally:
        client.close()
    valid = produced["produced"]["satisfaction-events"] - produced["malformed"].get(
        "satisfaction-events", 0
    )
    assert ratings == valid > 0  # everything produced before Ctrl-C was written
