"""One peer of `gapwatch bench peers` in a process of its own: it reads the pre-filled topic,
validates each event, writes it to satisfaction_events on its own chDB path, and writes what
it measured as JSON. Run as ``python -m pipeline.bench.peer_run SYSTEM …``.

It imports no Faust or click: the Quix peer runs it in a virtualenv of its own (quixstreams
pins confluent-kafka < 2.13 and pydantic < 2.14, which the project cannot install).
"""

from __future__ import annotations

import argparse
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from clickhouse_connect.driver.client import Client

from pipeline.config import Settings
from pipeline.contracts import Limits, Rejection, SatisfactionEvent, decode
from pipeline.warehouse import connect
from pipeline.warehouse.setup import prepare_warehouse
from pipeline.warehouse.tables import SATISFACTION_EVENTS, SatisfactionRow, satisfaction_row

COUNT = "SELECT count(), uniqExact(event_id) FROM satisfaction_events"
ROWS = "SELECT count() FROM satisfaction_events"  # cheap: what a poll asks
# When the first and the last block became queryable, from the table itself: every block
# gets its own ingested_at (DEFAULT now64(3), one value per insert), whoever wrote it.
BLOCKS = """
SELECT toUnixTimestamp64Milli(min(ingested_at)) / 1000,
       toUnixTimestamp64Milli(max(ingested_at)) / 1000,
       countIf(ingested_at = (SELECT max(ingested_at) FROM satisfaction_events))
FROM satisfaction_events
"""


@dataclass
class Progress:
    """Wall clock (epoch s) and process CPU (all threads, chDB's included) at the first rows
    queryable and at the last: the rate window leaves start-up out."""

    expected: int
    first_message_at: float | None = None
    first_rows_at: float | None = None
    first_rows: int = 0
    first_cpu: float = 0.0
    done_at: float | None = None
    done_cpu: float = 0.0
    written: int = 0
    rejected: list[str] = field(default_factory=list)
    # From BLOCKS: the first block's and the last block's ingested_at, the last block's rows.
    blocks: tuple[float, float, int] | None = None

    def read_blocks(self, client: Client) -> None:
        first, last, rows = client.query(BLOCKS).result_rows[0]
        self.blocks = (float(first), float(last), int(rows))

    def received(self) -> None:
        if self.first_message_at is None:
            self.first_message_at = time.time()

    def queryable(self, rows: int, cpu: Callable[[], float] = time.process_time) -> None:
        """``rows`` in the table now (after an insert returned, or as counted); ``cpu``: the
        measured process's CPU seconds (by default this process's)."""
        self.written = rows
        if self.first_rows_at is None and rows > 0:
            self.first_rows_at, self.first_rows, self.first_cpu = time.time(), rows, cpu()
        if self.done_at is None and rows >= self.expected:
            self.done_at, self.done_cpu = time.time(), cpu()

    @property
    def done(self) -> bool:
        return self.done_at is not None


class Validator:
    """Our contract, as the worker applies it: a Rejection is kept, never written."""

    def __init__(self, progress: Progress) -> None:
        self.limits, self.now, self.progress = Limits(), datetime.now(UTC), progress

    def __call__(self, raw: bytes | None, partition: int, offset: int) -> SatisfactionRow | None:
        event = decode(raw, SatisfactionEvent, self.limits, self.now)
        if isinstance(event, Rejection):
            self.progress.rejected.append(f"{partition}:{offset} {event.reason}")
            return None
        return satisfaction_row(event, partition, offset)


def insert(client: Client, rows: list[SatisfactionRow]) -> None:
    columns = list(SATISFACTION_EVENTS.row_columns)
    client.insert(SATISFACTION_EVENTS.name, rows, column_names=columns)


def confluent_loop(args: argparse.Namespace, client: Client, progress: Progress) -> None:
    """Hand-written: consume up to a batch (or what came within the batch wait), validate,
    insert, then commit synchronously: a commit never covers unwritten rows."""
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            "bootstrap.servers": args.bootstrap,
            "group.id": args.group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "fetch.wait.max.ms": 50,  # as the worker's on the embedded broker
        }
    )
    consumer.subscribe([args.topic])
    validate = Validator(progress)
    try:
        while not progress.done:
            messages = consumer.consume(num_messages=args.batch, timeout=args.batch_seconds)
            if not messages:
                continue
            progress.received()
            rows = []
            for m in messages:
                if m.error() is not None:
                    raise RuntimeError(f"consume failed: {m.error()}")
                row = validate(m.value(), m.partition() or 0, m.offset() or 0)
                if row is not None:
                    rows.append(row)
            if rows:
                insert(client, rows)
            progress.queryable(progress.written + len(rows))
            consumer.commit(asynchronous=False)
    finally:
        consumer.close()


KAFKA_ENGINE_TABLE = """
CREATE TABLE kafka_satisfaction (
    event_id String, ts String, store_id String, channel String,
    agent_id Nullable(String), customer_id Nullable(String), score UInt8,
    expectation Map(String, UInt8), perception Map(String, UInt8), schema_version UInt16
) ENGINE = Kafka SETTINGS kafka_broker_list = {bootstrap}, kafka_topic_list = {topic},
    kafka_group_name = {group}, kafka_format = 'JSONEachRow'{block}
"""
# ClickHouse's types are the validation here, not our contract: what a Kafka-engine
# pipeline would do. The ingested_keys view and the rollups fire as on any insert.
KAFKA_ENGINE_VIEW = """
CREATE MATERIALIZED VIEW kafka_satisfaction_mv TO satisfaction_events AS
SELECT event_id, parseDateTime64BestEffort(ts, 3, 'UTC') AS ts, store_id, channel, agent_id,
       score, expectation, perception, toUInt16(_partition) AS source_partition,
       _offset AS source_offset, schema_version, '{}' AS extra
FROM kafka_satisfaction
"""


class KafkaEngineUnavailable(RuntimeError):
    pass


def kafka_engine(args: argparse.Namespace, client: Client, progress: Progress) -> None:
    """chDB consumes by itself; this process only counts what became queryable."""

    def quoted(text: str) -> str:
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    block = f", kafka_max_block_size = {args.block_size}" if args.block_size else ""
    table = KAFKA_ENGINE_TABLE.format(
        bootstrap=quoted(args.bootstrap),
        topic=quoted(args.topic),
        group=quoted(args.group),
        block=block,
    )
    try:
        client.command(table)
    except Exception as exc:
        raise KafkaEngineUnavailable(
            f"CREATE TABLE … ENGINE = Kafka failed: {type(exc).__name__}: {exc}"
        ) from exc
    client.command(KAFKA_ENGINE_VIEW)
    deadline = time.monotonic() + args.deadline
    while not progress.done and time.monotonic() < deadline:
        progress.queryable(client.query(ROWS).result_rows[0][0])
        time.sleep(0.05)


def _quix(args: argparse.Namespace, client: Client, progress: Progress) -> None:
    from pipeline.bench.peer_quix import run

    run(args, client, progress, Validator(progress), insert)


SYSTEMS: dict[str, Callable[[argparse.Namespace, Client, Progress], None]] = {
    "confluent": confluent_loop,
    "quix": _quix,
    "kafka-engine": kafka_engine,
}


def _versions() -> dict[str, str]:
    found = {}
    for name in ("quixstreams", "confluent-kafka", "pydantic", "chdb", "clickhouse-connect"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench.peer_run")
    parser.add_argument("system", choices=sorted(SYSTEMS))
    for name in ("--bootstrap", "--topic", "--group", "--path", "--out"):
        parser.add_argument(name, required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--batch-seconds", type=float, default=0.5)
    parser.add_argument("--block-size", type=int, default=0, help="Kafka engine; 0: default")
    parser.add_argument("--deadline", type=float, default=600.0)
    args = parser.parse_args(argv)
    progress = Progress(args.events)
    result: dict[str, object] = {"versions": _versions()}
    client = connect(f"chdb://{args.path}", through_worker=False)
    try:
        prepare_warehouse(client, Settings())
        result["ready_at"] = time.time()
        SYSTEMS[args.system](args, client, progress)
        rows, distinct = client.query(COUNT).result_rows[0]
        progress.read_blocks(client)
        result.update(rows=rows, distinct=distinct)
    except Exception as exc:
        named = isinstance(exc, KafkaEngineUnavailable)  # says what failed itself
        result["error"] = str(exc) if named else f"{type(exc).__name__}: {exc}".strip()
        result["traceback"] = traceback.format_exc()
    finally:
        client.close()
    result.update(asdict(progress))
    Path(args.out).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
