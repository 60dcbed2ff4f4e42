"""The whole pipeline against the ceilings of the parts it stands on, measured in one run.

Every phase gets its own embedded broker, so no phase sees another's messages, and chDB paths
are opened one at a time (one engine per process).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import faust
import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.agents import prepare
from pipeline.agents.batch import Message, Outcome
from pipeline.agents.loop import Lane, consume
from pipeline.agents.stats import TopicStats
from pipeline.bench.classifier import texts_for
from pipeline.classifier import GapClassifier, load_or_build
from pipeline.config import Settings
from pipeline.contracts import (
    COMPLAINT_UPDATES,
    COMPLAINTS,
    DEAD_LETTERS,
    SATISFACTION_EVENTS,
    Limits,
    SatisfactionEvent,
    decode,
)
from pipeline.demo.processes import Children, free_port, wait_for_file
from pipeline.embedded import FETCH_MAX_WAIT_MS, EmbeddedBroker
from pipeline.kafka.faust_app import new_app
from pipeline.sinks import ListSink
from pipeline.warehouse import connect
from pipeline.warehouse.setup import prepare_warehouse
from pipeline.warehouse.tables import SATISFACTION_EVENTS as EVENTS_TABLE
from pipeline.warehouse.tables import satisfaction_row

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


def _event(i: int, ts: str) -> bytes:
    return orjson.dumps(
        {
            "event_id": f"b{i}",
            "ts": ts,
            "store_id": f"S{i % 50:02d}",
            "channel": "app",
            "agent_id": f"A{i % 7}",
            "score": 1 + i % 5,
        }
    )


def _complaint(i: int, ts: str, texts: list[str]) -> bytes:
    return orjson.dumps(
        {
            "complaint_id": f"bc{i}",
            "ts": ts,
            "store_id": f"S{i % 50:02d}",
            "channel": "hotline",
            "text": texts[i % len(texts)],
        }
    )


def fill(bootstrap: str, topic: str, n: int, make: Callable[[int], bytes]) -> int:
    """Produce n messages and check the broker still holds them all (returns how many it
    holds): the embedded broker keeps 5 MiB per partition and silently drops older data, and
    a worker waiting for messages that are gone would wait for ever."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, batch_size=512 * 1024)
    sent = [producer.send(topic, key=f"S{i % 50:02d}".encode(), value=make(i)) for i in range(n)]
    producer.flush()
    producer.close()
    failed = [f.exception for f in sent if f.exception is not None]
    if failed:
        raise RuntimeError(f"{len(failed):,} of {n:,} messages to {topic} failed: {failed[0]!r}")
    held = _held(bootstrap, topic)
    if held < n:
        raise RuntimeError(
            f"the embedded broker holds {held:,} of the {n:,} messages produced to {topic}: "
            "it keeps at most 5 MiB per partition and drops older data; benchmark fewer "
            "messages (--events, --complaints)"
        )
    return held


def _held(bootstrap: str, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        start = consumer.beginning_offsets(partitions)
        end = consumer.end_offsets(partitions)
        return sum(end[tp] - start[tp] for tp in partitions)
    finally:
        consumer.close()


def _rss_mib() -> float:
    """The worker's resident memory, its classifier processes included."""
    pids = ["self", *(str(child.pid) for child in multiprocessing.active_children())]
    return sum(_vm_rss_mib(pid) for pid in pids)


def _vm_rss_mib(pid: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _aiokafka_consume(bootstrap: str, topic: str, n: int) -> float:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id="bench-raw",
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    await consumer.start()
    got, first = 0, None
    try:
        while got < n:
            batch = await consumer.getmany(timeout_ms=1000, max_records=20_000)
            if batch and first is None:
                first = time.perf_counter()
            got += sum(len(messages) for messages in batch.values())
    finally:
        await consumer.stop()
    return n / (time.perf_counter() - (first or time.perf_counter()))


async def _bare_faust(
    bootstrap: str,
    topic: str,
    n: int,
    idle_topics: tuple[str, ...],
    data_dir: Path,
    fetch_max_wait_ms: int = FETCH_MAX_WAIT_MS,
    work: str = "decode",
    batch: tuple[int, float] = (2000, 0.5),
) -> float:
    """A Faust agent that only decodes and counts. ``work="validate"``: it also checks each
    message against its contract and builds its row, as the worker does, but writes nothing.
    ``work="loop"``: the worker's own batching loop (take, step task, write in the warehouse
    thread, ack) with an empty step and nothing to write: what the loop costs by itself."""
    # The same app, transport and fetch wait as the worker, so the ratio compares like with like.
    app = new_app(
        f"bench-bare-{len(idle_topics)}-{data_dir.name}",  # a new group: reads from the start
        bootstrap,
        fetch_max_wait_ms,
        topic_allow_declare=False,
        web_enabled=False,
        web_port=free_port(),  # Faust binds it even with the web server off
        datadir=str(data_dir),
        broker_session_timeout=6,
        broker_rebalance_timeout=6,
        broker_heartbeat_interval=2,
    )
    state: dict = {"n": 0, "first": None, "counters": None}
    limits, now = Limits(), datetime.now(UTC)

    @app.agent(app.topic(topic), name="count")
    async def count(stream: faust.StreamT) -> None:
        if work == "loop":
            await _empty_loop(app, stream, topic, state, batch)
            return
        async for value in stream:
            if state["first"] is None:
                state["first"] = time.perf_counter()
            if work == "validate":
                event = decode(value, SatisfactionEvent, limits, now)
                if not isinstance(event, SatisfactionEvent):
                    raise RuntimeError(f"the benchmark's own event was refused: {event}")
                satisfaction_row(event, 0, state["n"])
            else:
                orjson.loads(value)
            state["n"] += 1

    for name in idle_topics:

        @app.agent(app.topic(name), name=f"idle_{name}")
        async def idle(stream: faust.StreamT) -> None:
            async for _ in stream:
                pass

    await app.start()
    try:
        while (state["counters"].received if state["counters"] else state["n"]) < n:
            await asyncio.sleep(0.05)
        return n / (time.perf_counter() - state["first"])
    finally:
        await app.stop()


async def _empty_loop(
    app: faust.App, stream: faust.StreamT, topic: str, state: dict, batch: tuple[int, float]
) -> None:
    counters = TopicStats()

    async def nothing(messages: list[Message], now: datetime) -> Outcome:
        if state["first"] is None:
            state["first"] = time.perf_counter()
        return Outcome()

    async def in_io(flush: Callable[[], int]) -> int:
        return await asyncio.get_running_loop().run_in_executor(io, flush)

    state["counters"] = counters  # received once acknowledged, as the worker counts
    with ThreadPoolExecutor(max_workers=1) as io:
        lane = Lane(topic, ListSink(), app.topic(DEAD_LETTERS), counters, {}, in_io)
        await consume(stream, lane, nothing, *batch)


def _insert_ceiling(path: Path, settings: Settings, rows: int, batch: int = 2000) -> float:
    client = connect(f"chdb://{path}")
    try:
        prepare_warehouse(client, settings)
        now = datetime.now(UTC)
        columns = list(EVENTS_TABLE.columns)
        started = time.perf_counter()
        for start in range(0, rows, batch):
            data: list[tuple[object, ...]] = [
                (f"r{i}", now, f"S{i % 50:02d}", "app", None, None, 1 + i % 5, {}, {}, 0, i)
                for i in range(start, min(rows, start + batch))
            ]
            client.insert(EVENTS_TABLE.name, data, column_names=columns)
        return rows / (time.perf_counter() - started)
    finally:
        client.close()


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
    rss = [_rss_mib()]  # at the start, then at each tenth of the run
    every = seconds / 10
    sent, started = 0, time.perf_counter()
    try:
        while (elapsed := time.perf_counter() - started) < seconds:
            if elapsed >= every * len(rss):
                rss.append(_rss_mib())
            while sent < int(elapsed * rate):
                # ts = the moment of producing: latency = written (ingested_at) − ts.
                producer.send(
                    SATISFACTION_EVENTS,
                    key=b"S01",
                    value=_event(sent, datetime.now(UTC).isoformat()),
                )
                sent += 1
            await asyncio.sleep(0.001)
        producer.flush()
        while counters.written < sent:
            await asyncio.sleep(0.05)
        rss.append(_rss_mib())
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
            asyncio.run(_aiokafka_consume(bootstrap, SATISFACTION_EVENTS, events)),
            "msgs/s",
        )
        report.add(
            "bare Faust agent, one topic",
            asyncio.run(
                _bare_faust(bootstrap, SATISFACTION_EVENTS, events, (), self.scratch / "f1")
            ),
            "msgs/s",
        )
        report.add(
            "raw chDB insert, batches of 2,000 (views included)",
            _insert_ceiling(self.scratch / "insert", self.base, events),
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
                        _bare_faust(
                            bootstrap,
                            SATISFACTION_EVENTS,
                            events,
                            _IDLE,
                            self.scratch / f"{work}-{r}",
                            work=work,
                            batch=(self.base.batch_size, self.base.batch_seconds),
                        )
                    )
                )
            pipeline.append(
                self.worker(SATISFACTION_EVENTS, events, lambda i: _event(i, self.now), f"p1-{r}")
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

    def complaints(
        self, report: Report, model: GapClassifier, texts: list[str], rounds: int
    ) -> None:
        model.predict(texts[:1000])  # warm numpy and the caches
        classified, pipeline = [], []
        for r in range(rounds):
            started = time.perf_counter()
            for start in range(0, len(texts), 1000):
                model.predict(texts[start : start + 1000])
            classified.append(len(texts) / (time.perf_counter() - started))
            pipeline.append(
                self.worker(
                    COMPLAINTS, len(texts), lambda i: _complaint(i, self.now, texts), f"p2-{r}"
                )
            )
        report.add_rounds(_RAW_CLASSIFY, classified, "docs/s")
        report.notes.append(
            f"complaints: the worker classifies in {self.base.classifier_processes} child "
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
        fill(broker.bootstrap, SATISFACTION_EVENTS, events, lambda i: _event(i, phases.now))
        phases.ceilings(report, broker.bootstrap, events)
        phases.satisfaction(report, broker.bootstrap, events, rounds)
        # Unseen customer-like texts (the evaluation sets), not the simulator's few dozen,
        # which are short and classify three times as fast as what customers write.
        phases.complaints(
            report,
            load_or_build(settings.model_dir, settings.assets_dir),
            texts_for(settings.assets_dir, complaints),
            rounds,
        )
        phases.steady(report, rate, latency_seconds)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


__all__ = ["Report", "fill", "run"]
