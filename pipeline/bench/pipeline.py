"""The whole pipeline against the ceilings of the parts it stands on, measured in one run.

Every phase gets its own embedded broker, so no phase sees another's messages, and chDB paths
are opened one at a time (one engine per process).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kafka import KafkaProducer

from pipeline.agents import prepare
from pipeline.bench.ceilings import (
    aiokafka_consume,
    bare_faust,
    insert_ceiling,
    rss_mib,
)
from pipeline.bench.classifier import Classifies, texts_for
from pipeline.bench.traffic import complaint_message, event_message, fill
from pipeline.classifier import load_or_build
from pipeline.classifier.files import SERVING, tokenizer_for
from pipeline.classifier.serving import ServingModel
from pipeline.config import Settings
from pipeline.contracts import (
    COMPLAINT_UPDATES,
    COMPLAINTS,
    DEAD_LETTERS,
    SATISFACTION_EVENTS,
)
from pipeline.embedded import FETCH_MAX_WAIT_MS, EmbeddedBroker
from pipeline.processes import Children, free_port, wait_for_file

log = logging.getLogger(__name__)


@dataclass
class Figure:
    name: str
    samples: list[float]  # one per round; the figure is their median
    unit: str
    ceiling: str | None = None  # the name of the figure this one is a share of

    @property
    def value(self) -> float:
        return statistics.median(self.samples)

    @property
    def rounds(self) -> str:
        """Each round's value, when there was more than one."""
        return "; ".join(f"{v:,.0f}" for v in self.samples) if len(self.samples) > 1 else ""


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: float, unit: str, ceiling: str | None = None) -> None:
        self.add_rounds(name, [value], unit, ceiling)

    def add_rounds(
        self, name: str, samples: list[float], unit: str, ceiling: str | None = None
    ) -> None:
        self.figures.append(Figure(name, samples, unit, ceiling))
        log.info("%s: %s %s", name, ", ".join(f"{v:.1f}" for v in samples), unit)

    def value(self, name: str) -> float:
        return next(f.value for f in self.figures if f.name == name)

    def share(self, figure: Figure) -> float | None:
        """The figure as a share of its ceiling, if it has one."""
        return figure.value / self.value(figure.ceiling) if figure.ceiling else None


async def _worker_throughput(settings: Settings, topic: str, n: int) -> float:
    """From the arrival of the first batch to the last row written (hence queryable)."""
    worker, app = prepare(settings)
    counters = worker.stats.topic(topic)
    await app.start()
    try:
        while counters.written < n:
            await asyncio.sleep(0.01)
        assert counters.first_batch_at is not None
        return n / (time.time() - counters.first_batch_at)
    finally:
        await app.stop()
        worker.close()


async def _latency(settings: Settings, bootstrap: str, rate: float, seconds: float) -> dict:
    worker, app = prepare(settings)
    counters = worker.stats.topic(SATISFACTION_EVENTS)
    await app.start()
    # A few ms of linger, as any real producer has: one request per message (linger 0)
    # overloads the embedded broker and measured that, not the pipeline (p99 5 s vs 0.7 s).
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    rss = [rss_mib()]  # at the start, then at each tenth of the run
    every = seconds / 10
    sent, started = 0, time.perf_counter()
    try:
        while (elapsed := time.perf_counter() - started) < seconds:
            if elapsed >= every * len(rss):
                rss.append(rss_mib())
            while sent < int(elapsed * rate):
                # ts = the moment of producing: latency = written (ingested_at) − ts.
                producer.send(
                    SATISFACTION_EVENTS,
                    key=b"S01",
                    value=event_message(sent, datetime.now(UTC).isoformat()),
                )
                sent += 1
            await asyncio.sleep(0.001)
        producer.flush()
        while counters.written < sent:
            await asyncio.sleep(0.05)
        rss.append(rss_mib())
        lags = [
            row[0]
            for row in await worker.in_io(
                lambda: (
                    worker.client.query(
                        "SELECT dateDiff('millisecond', ts, ingested_at) FROM satisfaction_events"
                    ).result_rows
                )
            )
        ]
    finally:
        producer.close()
        await app.stop()
        worker.close()
    quantiles = statistics.quantiles(lags, n=100)
    return {
        "p50": quantiles[49],
        "p95": quantiles[94],
        "p99": quantiles[98],
        "n": len(lags),
        "rss": rss,
    }


_IDLE = (COMPLAINTS, COMPLAINT_UPDATES, DEAD_LETTERS)  # the worker's other topics
_FOUR = "bare Faust agent, the worker's four topics"
_RAW_CLASSIFY = "raw classification, batches of 1,000"


@dataclass
class _Phases:
    base: Settings  # the worker's settings on the embedded stack
    scratch: Path
    now: str  # event time of the pre-filled messages

    def worker(self, topic: str, n: int, make: Callable[[int], bytes], path: str) -> float:
        """A fresh broker, a pre-filled topic, one in-process worker until all is written."""
        broker = EmbeddedBroker()
        broker.create_topics((SATISFACTION_EVENTS, *_IDLE))
        fill(broker.bootstrap, topic, n, make)
        phase = self.base.with_(
            kafka_bootstrap=broker.bootstrap,
            web_port=free_port(),
            clickhouse_dsn=f"chdb://{self.scratch / path}",
        )
        return asyncio.run(_worker_throughput(phase, topic, n))

    def ceilings(self, report: Report, bootstrap: str, events: int) -> None:
        report.add(
            "raw consume, aiokafka getmany",
            asyncio.run(aiokafka_consume(bootstrap, SATISFACTION_EVENTS, events)),
            "msgs/s",
        )
        report.add(
            "bare Faust agent, one topic",
            asyncio.run(
                bare_faust(bootstrap, SATISFACTION_EVENTS, events, (), self.scratch / "f1")
            ),
            "msgs/s",
        )
        report.add(
            "raw chDB insert, batches of 2,000 (views included)",
            insert_ceiling(self.scratch / "insert", self.base, events),
            "rows/s",
        )

    def satisfaction(self, report: Report, bootstrap: str, events: int, rounds: int) -> None:
        bare: list[float] = []
        validated: list[float] = []
        loop: list[float] = []
        pipeline: list[float] = []
        for r in range(rounds):
            for samples, work in ((bare, "decode"), (validated, "validate"), (loop, "loop")):
                samples.append(
                    asyncio.run(
                        bare_faust(
                            bootstrap,
                            SATISFACTION_EVENTS,
                            events,
                            _IDLE,
                            self.scratch / f"{work}-{r}",
                            work=work,
                            batch=(
                                self.base.warehouse.batch_size,
                                self.base.warehouse.batch_seconds,
                            ),
                        )
                    )
                )
            pipeline.append(
                self.worker(
                    SATISFACTION_EVENTS, events, lambda i: event_message(i, self.now), f"p1-{r}"
                )
            )
        report.add_rounds(_FOUR, bare, "msgs/s")
        report.add_rounds(
            "the same agent validating each event against its contract (no write)",
            validated,
            "msgs/s",
            ceiling=_FOUR,
        )
        report.add_rounds(
            "the worker's batching loop with nothing to validate or write",
            loop,
            "msgs/s",
            ceiling=_FOUR,
        )
        report.add_rounds(
            "pipeline: satisfaction events, produced → queryable",
            pipeline,
            "events/s",
            ceiling=_FOUR,
        )

    def complaints(self, report: Report, model: Classifies, texts: list[str], rounds: int) -> None:
        model.predict(texts[:1000])  # warm numpy and the caches
        classified, pipeline = [], []
        for r in range(rounds):
            started = time.perf_counter()
            for start in range(0, len(texts), 1000):
                model.predict(texts[start : start + 1000])
            classified.append(len(texts) / (time.perf_counter() - started))
            pipeline.append(
                self.worker(
                    COMPLAINTS,
                    len(texts),
                    lambda i: complaint_message(i, self.now, texts),
                    f"p2-{r}",
                )
            )
        report.add_rounds(_RAW_CLASSIFY, classified, "docs/s")
        report.notes.append(
            f"complaints: the worker classifies in {self.base.classifier.processes} child "
            "process(es) (GAPWATCH_CLASSIFIER_PROCESSES; 0 = in the worker process); raw "
            "classification runs in the benchmark's process"
        )
        report.add_rounds(
            "pipeline: complaints with classification",
            pipeline,
            "complaints/s",
            ceiling=_RAW_CLASSIFY,
        )

    def steady(self, report: Report, rate: float, seconds: float) -> None:
        # The broker keeps every message in memory: in a process of its own, so the worker's
        # memory is measured without the log it accumulates.
        with Children(self.scratch / "logs") as children:
            children.start("broker", ["broker", "--bootstrap-file", str(self.scratch / "boot")], {})
            bootstrap = wait_for_file(self.scratch / "boot", children, "broker")
            phase = self.base.with_(
                kafka_bootstrap=bootstrap,
                web_port=free_port(),
                clickhouse_dsn=f"chdb://{self.scratch / 'p3'}",
            )
            lat = asyncio.run(_latency(phase, bootstrap, rate, seconds))
        for q in ("p50", "p95", "p99"):
            report.add(f"latency produced → queryable at {rate:,.0f} events/s, {q}", lat[q], "ms")
        rss = lat["rss"]
        report.add("worker memory (RSS) at the start of the steady run", rss[0], "MiB")
        report.add(f"worker memory (RSS) after {seconds:.0f} s", rss[-1], "MiB")
        report.notes.append(
            f"worker memory (RSS) through the steady run, every {seconds / 10:.0f} s: "
            + " → ".join(f"{v:,.0f}" for v in rss)
            + " MiB"
        )


def run(
    settings: Settings,
    events: int = 100_000,
    complaints: int = 24_000,
    latency_seconds: float = 30.0,
    rate: float = 1000.0,
    rounds: int = 3,
) -> Report:
    """Ceilings and pipeline figures; the throughput pairs (a ceiling and the pipeline figure
    read against it) alternate for ``rounds`` rounds and report medians, because on a shared
    machine one run of either can be off by a quarter."""
    report = Report()
    scratch = Path(tempfile.mkdtemp(prefix="gapwatch-bench-"))
    base = settings.with_(
        kafka_declare_topics=False,
        kafka_fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        kafka_session_timeout=6.0,
        alerts_enabled=False,
        data_dir=scratch / "var",
    )
    phases = _Phases(base, scratch, datetime.now(UTC).isoformat())
    try:
        broker = EmbeddedBroker()
        broker.create_topics((SATISFACTION_EVENTS, *_IDLE))
        fill(broker.bootstrap, SATISFACTION_EVENTS, events, lambda i: event_message(i, phases.now))
        phases.ceilings(report, broker.bootstrap, events)
        phases.satisfaction(report, broker.bootstrap, events, rounds)
        # Unseen customer-like texts (the evaluation sets), not the simulator's few dozen,
        # which are short and classify three times as fast as what customers write.
        # Raw classification as the worker's classifier process runs it: the served arrays.
        model_dir, assets_dir = settings.classifier.model_dir, settings.classifier.assets_dir
        load_or_build(model_dir, assets_dir)
        served = ServingModel.load(model_dir / SERVING, tokenizer_for(assets_dir))
        phases.complaints(report, served, texts_for(assets_dir, complaints), rounds)
        phases.steady(report, rate, latency_seconds)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


__all__ = ["Report", "fill", "run"]
