"""`gapwatch demo`: embedded broker + worker + simulator, a live view, a summary from ClickHouse."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from contextlib import closing
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.live import Live

from pipeline.config import Settings
from pipeline.contracts import DEAD_LETTERS
from pipeline.demo.processes import ChildFailed, Children, free_port, wait_for_file
from pipeline.demo.rates import RateWindow
from pipeline.demo.render import gap_table, live_view, satisfaction_table, table
from pipeline.embedded import embedded_kafka
from pipeline.panels.html_report import write_report
from pipeline.panels.report_range import fitted_range
from pipeline.warehouse import connect, redact
from pipeline.warehouse.summary import summary


def fetch_stats(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats/", timeout=5) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
        return None


def drained(stats: dict, produced: dict[str, int]) -> bool:
    """The worker has taken in everything produced, dead letters included."""
    topics = stats["worker"]["topics"]
    got = {name: t["received"] for name, t in topics.items()}
    dead = sum(t["dead_lettered"] for name, t in topics.items() if name != DEAD_LETTERS)
    return (
        all(got.get(topic, 0) >= n for topic, n in produced.items())
        and got.get(DEAD_LETTERS, 0) >= dead
    )


def run_demo(settings: Settings, seconds: float, rate: float, stores: int) -> int:
    console = Console()
    demo_dir = settings.data_dir / "demo"
    bootstrap_file = demo_dir / "bootstrap"
    bootstrap_file.unlink(missing_ok=True)
    try:
        with Children(demo_dir) as children:
            children.start("broker", ["broker", "--bootstrap-file", str(bootstrap_file)], {})
            bootstrap = wait_for_file(bootstrap_file, children, "broker")
            port = free_port()
            env = settings.with_(**embedded_kafka(bootstrap), web_port=port).env()
            children.start("worker", ["worker"], env)
            console.print(f"broker at {bootstrap}; worker starting (logs in {demo_dir})")
            _wait_ready(children, port)
            children.start(
                "simulate",
                [
                    "simulate",
                    "--seconds",
                    str(seconds),
                    "--rate",
                    str(rate),
                    "--stores",
                    str(stores),
                ],
                env,
            )
            produced = _watch(console, children, port, seconds, settings.zone)
            code = children.stop("worker")
            if code not in (0, None):
                raise ChildFailed(f"worker exited with code {code} while stopping")
    except ChildFailed as exc:
        console.print(f"[red]demo failed:[/] {exc}")
        return 1
    return _final_summary(console, settings, produced)


def _wait_ready(children: Children, port: int, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children.check_alive("worker")
        if fetch_stats(port) is not None:
            return
        time.sleep(0.5)
    raise ChildFailed(f"worker did not answer on port {port} within {timeout:.0f}s")


def _watch(
    console: Console, children: Children, port: int, seconds: float, zone: ZoneInfo
) -> dict[str, int]:
    started = time.monotonic()
    window = RateWindow()
    produced: dict[str, int] | None = None
    drain_deadline: float | None = None
    stats: dict | None = None
    with Live(console=console, refresh_per_second=2, transient=False) as live:
        while True:
            children.check_alive("worker")
            if produced is None and children.procs["simulate"].poll() is not None:
                children.check_alive("simulate") if children.procs["simulate"].returncode else None
                produced = json.loads(children.output("simulate").strip().splitlines()[-1])[
                    "produced"
                ]
                drain_deadline = time.monotonic() + 90
            stats = fetch_stats(port) or stats
            if stats:
                now = time.monotonic()
                window.add(now, stats["worker"]["topics"])
                elapsed = min(seconds, now - started)
                status = (
                    f"simulating {elapsed:4.0f}/{seconds:.0f} s"
                    if produced is None
                    else "simulator done; draining the worker…"
                )
                live.update(live_view(status, window.rates(), stats, zone, window.span))
                if produced is not None and drained(stats, produced):
                    return produced
            if drain_deadline is not None and time.monotonic() > drain_deadline:
                raise ChildFailed("worker did not catch up with the simulator within 90 s")
            time.sleep(1.0)


def _final_summary(console: Console, settings: Settings, produced: dict[str, int]) -> int:
    report = settings.data_dir / "demo" / "report.html"
    with closing(connect(settings.clickhouse_dsn)) as client:
        result = summary(client)
        now = datetime.now(UTC).replace(microsecond=0)
        since, until = fitted_range(client, None, None, now)
        with_data = write_report(
            client, settings.infra_dir, since, until, report, settings.timezone
        )
    counts = result["counts"]
    console.rule("Summary from ClickHouse")
    console.print(f"warehouse: {redact(settings.clickhouse_dsn)}")
    console.print(f"produced this run: {produced}")
    console.print(table(list(counts), [list(counts.values())], title="Rows in the warehouse"))
    console.print(satisfaction_table(result["by_store"]))
    console.print(gap_table(result["by_gap"]))
    if result["dead_letters_by_topic"]:
        rows = [list(r.values()) for r in result["dead_letters_by_topic"]]
        console.print(table(["source topic", "dead letters"], rows, title="Dead letters"))
    console.print(f"dashboards as a page: {report} ({with_data} panels with data)")
    if not counts["satisfaction_events"] or not result["by_store"]:
        console.print("[red]no results in the warehouse[/]")
        return 1
    return 0
