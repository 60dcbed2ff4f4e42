"""`gapwatch bench peers`: the same job (read the pre-filled topic, validate each event, write
it to satisfaction_events) done by `gapwatch worker` and by its peers, in one run.

One embedded broker and one pre-filled topic for all; each run reads it with a consumer group
of its own and writes to a fresh chDB path, in a process of its own (so CPU per event is that
process's), and rounds alternate between the systems. Every system is timed the same way,
from the ingested_at its rows got in the table (one value per insert); the worker is polled
through its own warehouse proxy, as an analyst would query it, only to see it finish and to
sample its CPU; the peers sample their own (pipeline.bench.peer_run).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline.bench.classifier import texts_for
from pipeline.bench.peer_figures import PeersReport, Run, System, checked
from pipeline.bench.peer_job import JOBS, Progress
from pipeline.bench.traffic import complaint_message, event_message, fill
from pipeline.config import PROJECT_ROOT, Settings
from pipeline.contracts import COMPLAINT_UPDATES, COMPLAINTS, DEAD_LETTERS, SATISFACTION_EVENTS
from pipeline.embedded import EmbeddedBroker, embedded_kafka
from pipeline.processes import ChildFailed, Children, fetch_stats, free_port
from pipeline.warehouse import connect

log = logging.getLogger(__name__)

# quixstreams 3.28.1 needs confluent-kafka < 2.13 and pydantic < 2.14, the project >= 2.16 and
# >= 2.14: it lives in a virtualenv of its own (`make install` builds it).
QUIX_PYTHON = PROJECT_ROOT / ".venv-quix" / "bin" / "python"
WORKER = "gapwatch worker"
PEER_MODULE = "pipeline.bench.peer_run"
# How often the worker's row count is read (through its warehouse proxy, which shares the
# worker's warehouse thread): only to see it finish and to sample its CPU; the rate comes
# from the rows' own ingested_at.
POLL_S = 0.5


def tree_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants (the worker's classifier
    process), from /proc."""
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += tree_cpu(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass  # gone in between: its time is no longer ours to count
    return total


@dataclass
class _Bench:
    base: Settings
    bootstrap: str
    scratch: Path
    events: int
    deadline_s: float
    contract: str = "satisfaction"
    topic: str = SATISFACTION_EVENTS
    versions: dict[str, dict[str, str]] = field(default_factory=dict)  # per peer

    def worker(self, r: int) -> Run:
        """`gapwatch worker` as the README starts it, a process of its own."""
        name = f"{self.contract}-worker-{r}"
        port, path, job = free_port(), self.scratch / name, JOBS[self.contract]
        settings = self.base.with_(
            **embedded_kafka(self.bootstrap),
            app_id=f"bench-peers-{r}-{uuid.uuid4().hex[:6]}",  # a new group reads from the start
            web_port=port,
            clickhouse_dsn=f"chdb://{path}",
            data_dir=self.scratch / f"var-{name}",
        )
        progress = Progress(self.events)
        with Children(self.scratch / "logs") as children:
            launched = time.time()
            proc = children.start(name, ["worker"], settings.env())
            deadline = time.monotonic() + self.deadline_s
            while fetch_stats(port) is None:
                children.check_alive(name)
                if time.monotonic() > deadline:
                    return Run(error=f"the worker did not answer /stats/ in {self.deadline_s}s")
                time.sleep(0.2)
            client = connect(f"chdb://{path}")  # through the worker: it holds the path
            try:
                while not progress.done:
                    children.check_alive(name)
                    if time.monotonic() > deadline:
                        break
                    count = client.query(job.rows_sql())
                    progress.queryable(count.result_rows[0][0], lambda: tree_cpu(proc.pid))
                    time.sleep(POLL_S)
                progress.read_blocks(client, job)
                stats = fetch_stats(port) or {}
                topic = stats.get("worker", {}).get("topics", {}).get(self.topic, {})
                progress.first_message_at = topic.get("first_batch_at")
                rows, distinct = client.query(job.count_sql()).result_rows[0]
            finally:
                client.close()
        return checked(Run(), progress, rows, distinct, launched)

    def peer(self, system: str, r: int, *options: str) -> Run:
        name = f"{self.contract}-{system}{'-'.join(('', *options[1::2]))}-{r}"
        quix = system == "quix"
        if quix and not QUIX_PYTHON.exists():
            return Run(error=f"{QUIX_PYTHON} is missing: run `make install`")
        out = self.scratch / f"{name}.json"
        args = [system, "--bootstrap", self.bootstrap, "--topic", self.topic]
        args += ["--contract", self.contract]
        args += ["--group", f"bench-peers-{name}-{uuid.uuid4().hex[:6]}", "--out", str(out)]
        args += ["--path", str(self.scratch / name), "--events", str(self.events)]
        args += ["--batch", str(self.base.warehouse.batch_size)]
        args += ["--batch-seconds", str(self.base.warehouse.batch_seconds)]
        args += ["--deadline", str(self.deadline_s), *options]
        # The Quix virtualenv has the project's source on its path, not installed.
        model = {
            k: v for k, v in self.base.env().items() if k.endswith(("_MODEL_DIR", "_ASSETS_DIR"))
        }
        env = {**model, "PYTHONPATH": str(PROJECT_ROOT)} if quix else model
        python = str(QUIX_PYTHON) if quix else sys.executable
        with Children(self.scratch / "logs") as children:
            launched = time.time()
            proc = children.start(name, args, env, python=python, module=PEER_MODULE)
            try:
                proc.wait(self.deadline_s + 60)
            except subprocess.TimeoutExpired:
                return Run(error=f"{name} did not finish in {self.deadline_s + 60:.0f}s")
            if not out.exists():
                return Run(error=f"{name} exited {proc.returncode} without a result: see its log")
        result = json.loads(out.read_text(encoding="utf-8"))
        self.versions[system] = result.pop("versions", {})
        if result.get("error"):
            return Run(error=result["error"])
        progress = Progress(self.events)
        for key in vars(progress):
            if key in result:
                setattr(progress, key, result[key])
        return checked(Run(), progress, result["rows"], result["distinct"], launched)


# (name, peer_run arguments); the worker runs beside them in every round.
PEERS: list[tuple[str, tuple[str, ...]]] = [
    ("Quix Streams application", ("quix",)),
    ("confluent-kafka consumer loop", ("confluent",)),
    ("chDB Kafka engine, kafka_max_block_size 2,000", ("kafka-engine", "--block-size", "2000")),
    ("chDB Kafka engine, default block size", ("kafka-engine",)),
]
CLASSIFYING = PEERS[:2]  # the Kafka engine cannot call our classifier


def _rounds(report: PeersReport, bench: _Bench, peers: list[tuple[str, tuple[str, ...]]]) -> None:
    suffix = "" if bench.contract == "satisfaction" else ", complaints with classification"
    systems = [System(f"{WORKER}{suffix}", bench.contract, bench.events)]
    systems += [System(f"{name}{suffix}", bench.contract, bench.events) for name, _ in peers]
    report.systems += systems

    def measure(i: int, r: int) -> Run:
        if i == 0:
            return bench.worker(r)
        system, *options = peers[i - 1][1]
        return bench.peer(system, r, *options)

    for r in range(report.rounds):
        # Each round starts one system later, so no system always runs first or last.
        order = list(range(len(systems)))
        order = order[r % len(order) :] + order[: r % len(order)]
        for i in order:
            try:
                result = measure(i, r)
            except ChildFailed as exc:
                result = Run(error=str(exc).splitlines()[0])
            log.info("round %d, %s: %s", r + 1, systems[i].name, result)
            systems[i].runs.append(result)


def run(
    settings: Settings, events: int = 100_000, rounds: int = 3, complaints: int = 0
) -> PeersReport:
    scratch = Path(tempfile.mkdtemp(prefix="gapwatch-peers-"))
    base = settings.with_(kafka_session_timeout=6.0, alerts_enabled=False, data_dir=scratch / "var")
    report = PeersReport(events, rounds)
    try:
        broker = EmbeddedBroker()
        broker.create_topics((SATISFACTION_EVENTS, COMPLAINTS, COMPLAINT_UPDATES, DEAD_LETTERS))
        now = datetime.now(UTC).isoformat()
        fill(broker.bootstrap, SATISFACTION_EVENTS, events, lambda i: event_message(i, now))
        # A ceiling, not a pace: a loaded two-core machine may start a worker slowly.
        bench = _Bench(base, broker.bootstrap, scratch, events, 240 + events / 250)
        _rounds(report, bench, PEERS)
        if complaints:
            # Unseen customer-like texts, as `gapwatch bench pipeline` classifies.
            texts = texts_for(settings.classifier.assets_dir, complaints)
            fill(
                broker.bootstrap, COMPLAINTS, complaints, lambda i: complaint_message(i, now, texts)
            )
            bench = _Bench(
                base,
                broker.bootstrap,
                scratch,
                complaints,
                240 + complaints / 100,
                contract="complaint",
                topic=COMPLAINTS,
                versions=bench.versions,
            )
            _rounds(report, bench, CLASSIFYING)
        report.notes += notes(bench.versions)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def notes(versions: dict[str, dict[str, str]]) -> list[str]:
    quix_versions = versions.get("quix", {})
    quix = quix_versions.get("quixstreams")
    return [
        f"Quix Streams {quix} ran in its own virtualenv (.venv-quix) with confluent-kafka "
        f"{quix_versions.get('confluent-kafka', '?')} and pydantic "
        f"{quix_versions.get('pydantic', '?')}: "
        "it pins confluent-kafka < 2.13 and pydantic < 2.14, which the project cannot install"
        if quix
        else "Quix Streams did not run: its virtualenv is missing",
    ]
