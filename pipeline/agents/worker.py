"""What one worker process holds between batches: its warehouse client and sinks, its
model, its counters and how far it has written. The agents read and update it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from clickhouse_connect.driver.client import Client

from pipeline.agents.health import worker_name
from pipeline.agents.stats import WorkerStats
from pipeline.classifier.live import LiveModel
from pipeline.config import Settings
from pipeline.contracts import (
    COMPLAINT_UPDATES,
    COMPLAINTS,
    DEAD_LETTERS,
    SATISFACTION_EVENTS,
)
from pipeline.sinks import ClickHouseSink, WriteLedger
from pipeline.warehouse import tables
from pipeline.warehouse.errors import WriteError
from pipeline.warehouse.summary import summary


@dataclass
class Sinks:
    satisfaction: ClickHouseSink
    complaints: ClickHouseSink
    complaint_updates: ClickHouseSink
    dead_letters: ClickHouseSink


class Worker:
    def __init__(
        self, settings: Settings, client: Client, model: LiveModel, cluster_id: str = ""
    ) -> None:
        self.settings, self.client, self.model = settings, client, model
        self.cluster_id = cluster_id  # the Kafka cluster: part of each dead letter's identity
        self.stopping = threading.Event()
        self.name = worker_name()
        self.stats = WorkerStats()
        # One ledger for every table this worker writes: interrupted writes are repaired
        # before the first write after each assignment (docs/delivery.md).
        self.ledger = WriteLedger(client, self.name, tables.columns_of)
        self.sinks = Sinks(
            satisfaction=self.sink(tables.SATISFACTION_EVENTS, SATISFACTION_EVENTS),
            complaints=self.sink(tables.COMPLAINTS, COMPLAINTS),
            complaint_updates=self.sink(tables.COMPLAINT_UPDATES, COMPLAINT_UPDATES),
            dead_letters=self.sink(tables.DEAD_LETTERS, DEAD_LETTERS),
        )
        # One thread owns the warehouse client, so inserts and reads never overlap on it.
        self.io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warehouse")
        # Validation is CPU work: off the event loop, so heartbeats flow.
        self.cpu = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cpu")
        # Next offset not yet written, per (topic, partition): the worker's side of its lag.
        self.written: dict[tuple[str, int], int] = {}
        self.limits = settings.messages.limits()

    def sink(self, table: tables.Table, topic: str) -> ClickHouseSink:
        """A sink on this worker's ledger whose write errors count against ``topic``."""

        def count(error: WriteError) -> None:
            self.stats.topic(topic).warehouse_error(error.kind, error.message)

        return ClickHouseSink(self.client, table, self.stopping, ledger=self.ledger, on_error=count)

    async def in_io(self, fn: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.io, fn)

    async def in_cpu(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.cpu, fn, *args)

    async def warehouse_summary(self) -> dict[str, Any]:
        return await self.in_io(lambda: summary(self.client))

    def close(self) -> None:
        """After the app has stopped: the classifier processes, then the warehouse client."""
        self.model.close()
        if self.client is not None:
            self.client.close()
