"""`gapwatch demo`: embedded broker + worker + simulator, a live view, a summary from ClickHouse."""

from __future__ import annotations

import json
import time
from contextlib import closing
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.live import Live

from pipeline.config import Settings
from pipeline.contracts import DEAD_LETTERS
from pipeline.demo.rates import RateWindow
from pipeline.demo.render import gap_table, live_view, satisfaction_table
from pipeline.embedded import embedded_kafka
from pipeline.panels.html_report import write_report
from pipeline.panels.report_range import fitted_range
from pipeline.processes import ChildFailed, Children, fetch_stats, free_port, wait_for_file
from pipeline.terminal import table
from pipeline.warehouse import connect, redact
from pipeline.warehouse.summary import summary


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
    """Broker, worker and simulator as separate processes. Ctrl-C at any point stops the
    simulator, lets the worker write what was produced, stops it, then the broker, and
    prints the summary; a second Ctrl-C stops everything at once."""
    console = Console()
    demo_dir = settings.data_dir / "demo"
    bootstrap_file = demo_dir / "bootstrap"
    bootstrap_file.unlink(missing_ok=True)
    produced: dict[str, int] | None = None
    try:
        _ensure_model(console, settings)
        with Children(demo_dir) as children:
            try:
                children.start("broker", ["broker", "--bootstrap-file", str(bootstrap_file)], {})
                bootstrap = wait_for_file(bootstrap_file, children, "broker")
                port = free_port()
                env = settings.with_(**embedded_kafka(bootstrap), web_port=port).env()
                children.start("worker", ["worker"], env)
                console.print(f"broker at {bootstrap}; worker starting (logs in {demo_dir})")
                _wait_ready(console, children, port)
                children.start("simulate", _simulate_args(seconds, rate, stores), env)
                produced = _watch(console, children, port, seconds, settings.web.zone)
            except KeyboardInterrupt:
                produced = _wind_down(console, children, port)
            code = children.stop("worker")
            if code not in (0, None):
                raise ChildFailed(f"worker exited with code {code} while stopping")
            children.stop("broker")
    except ChildFailed as exc:
        console.print(f"[red]demo failed:[/] {exc}")
        return 1
    except KeyboardInterrupt:
        console.print("[yellow]stopped[/] (a second Ctrl-C: nothing drained, no summary)")
        return 130
    if produced is None:
        console.print("[yellow]stopped before the simulator produced anything[/]")
        return 130
    return _final_summary(console, settings, produced)


def _simulate_args(seconds: float, rate: float, stores: int) -> list[str]:
    return ["simulate", "--seconds", str(seconds), "--rate", str(rate), "--stores", str(stores)]


def _ensure_model(console: Console, settings: Settings) -> None:
    """Train the classifier before the worker starts, with a bar and an estimate, and keep
    it: the worker then only loads it, and a second demo starts at once."""
    from pipeline.classifier import load_or_build
    from pipeline.classifier.artifact import ARTIFACT
    from pipeline.terminal import training_bar

    if (settings.classifier.model_dir / ARTIFACT).exists():
        return
    console.print(
        f"no trained classifier in {settings.classifier.model_dir} yet: training it once from "
        f"{settings.classifier.assets_dir / 'corpus'} (kept for every later run)"
    )
    with training_bar(console, "training the classifier") as progress:
        load_or_build(settings.classifier.model_dir, settings.classifier.assets_dir, progress)


def _wait_ready(console: Console, children: Children, port: int, stall: float = 300.0) -> None:
    """Wait for the worker to answer and hold its partitions, saying what it is doing; no
    fixed deadline, only one on silence: no new log line for ``stall`` seconds."""
    last, last_change = "", time.monotonic()
    with console.status("waiting for the worker to start…") as status:
        while True:
            children.check_alive("worker")
            stats = fetch_stats(port)
            if stats is not None and stats["worker"].get("assignment"):
                return
            step = children.last_line("worker", "starting: ") or children.last_line("worker")
            if stats is not None:
                step = "joining the consumer group on the broker…"
            if step != last:
                last, last_change = step, time.monotonic()
                status.update(f"waiting for the worker: {_after(step, 'starting: ')}")
            elif time.monotonic() - last_change > stall:
                raise ChildFailed(
                    f"the worker made no progress for {stall:.0f}s; last: {step} "
                    f"(log: {children.log_dir / 'worker.log'})"
                )
            time.sleep(0.5)


def _after(line: str, marker: str) -> str:
    return line.split(marker, 1)[1] if marker in line else line[-120:]


def _wind_down(console: Console, children: Children, port: int) -> dict[str, int] | None:
    """After Ctrl-C: the simulator stops and says what it sent, the worker writes it all."""
    console.print("[yellow]Ctrl-C:[/] stopping the simulator…")
    produced = None
    if "simulate" in children.procs:
        children.stop("simulate")
        lines = children.output("simulate").strip().splitlines()
        if lines and lines[-1].startswith("{"):
            produced = json.loads(lines[-1])["produced"]
    if produced is None or "worker" not in children.procs:
        return produced
    console.print("letting the worker write what was produced…")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        children.check_alive("worker")
        stats = fetch_stats(port)
        if stats is not None and drained(stats, produced):
            break
        time.sleep(0.5)
    console.print("stopping the worker, then the broker…")
    return produced


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
    with closing(connect(settings.warehouse.dsn)) as client:
        result = summary(client)
        now = datetime.now(UTC).replace(microsecond=0)
        since, until = fitted_range(client, None, None, now)
        with_data = write_report(
            client, settings.infra_dir, since, until, report, settings.web.timezone
        )
    counts = result["counts"]
    console.rule("Summary from ClickHouse")
    console.print(f"warehouse: {redact(settings.warehouse.dsn)}")
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
