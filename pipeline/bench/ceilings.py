"""What the pipeline is measured against: the parts it stands on, alone (a bare consumer, a
bare Faust agent, the worker's loop with nothing to do, chDB inserts), and process memory."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import faust
import orjson

from pipeline.agents.batch import Message, Outcome
from pipeline.agents.loop import Lane, consume
from pipeline.agents.stats import TopicStats
from pipeline.config import Settings
from pipeline.contracts import (
    DEAD_LETTERS,
    Limits,
    SatisfactionEvent,
    decode,
)
from pipeline.embedded import FETCH_MAX_WAIT_MS
from pipeline.kafka.faust_app import new_app
from pipeline.processes import free_port
from pipeline.sinks import ListSink
from pipeline.warehouse import connect
from pipeline.warehouse.setup import prepare_warehouse
from pipeline.warehouse.tables import SATISFACTION_EVENTS as EVENTS_TABLE
from pipeline.warehouse.tables import satisfaction_row

log = logging.getLogger(__name__)


def rss_mib() -> float:
    """The worker's resident memory, its classifier processes included."""
    pids = ["self", *(str(child.pid) for child in multiprocessing.active_children())]
    return sum(vm_rss_mib(pid) for pid in pids)


def vm_rss_mib(pid: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def aiokafka_consume(bootstrap: str, topic: str, n: int) -> float:
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


async def bare_faust(
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


def insert_ceiling(path: Path, settings: Settings, rows: int, batch: int = 2000) -> float:
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
