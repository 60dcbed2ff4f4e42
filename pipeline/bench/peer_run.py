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
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from clickhouse_connect.driver.client import Client

from pipeline.bench.peer_job import JOBS, Job, Progress, Validator, Writer
from pipeline.config import Settings
from pipeline.warehouse import connect
from pipeline.warehouse.setup import prepare_warehouse


def confluent_loop(args: argparse.Namespace, client: Client, job: Job, progress: Progress) -> None:
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
    validate, writer = Validator(progress, job), Writer(client, job, progress)
    try:
        while not progress.done:
            messages = consumer.consume(num_messages=args.batch, timeout=args.batch_seconds)
            if not messages:
                continue
            progress.received()
            pending = []
            for m in messages:
                if m.error() is not None:
                    raise RuntimeError(f"consume failed: {m.error()}")
                valid = validate(m.value(), m.partition() or 0, m.offset() or 0)
                if valid is not None:
                    pending.append(valid)
            writer.write(pending)
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


def kafka_engine(args: argparse.Namespace, client: Client, job: Job, progress: Progress) -> None:
    """chDB consumes by itself; this process only counts what became queryable."""
    if job.table.name != "satisfaction_events":
        raise KafkaEngineUnavailable("the Kafka engine cannot call our classifier")

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
        progress.queryable(client.query(job.rows_sql()).result_rows[0][0])
        time.sleep(0.05)


def _quix(args: argparse.Namespace, client: Client, job: Job, progress: Progress) -> None:
    from pipeline.bench.peer_quix import run

    run(args, progress, Validator(progress, job), Writer(client, job, progress))


SYSTEMS: dict[str, Callable[[argparse.Namespace, Client, Job, Progress], None]] = {
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
    parser.add_argument("--contract", choices=sorted(JOBS), default="satisfaction")
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--batch-seconds", type=float, default=0.5)
    parser.add_argument("--block-size", type=int, default=0, help="Kafka engine; 0: default")
    parser.add_argument("--deadline", type=float, default=600.0)
    args = parser.parse_args(argv)
    progress, job = Progress(args.events), JOBS[args.contract]
    result: dict[str, object] = {"versions": _versions()}
    client = connect(f"chdb://{args.path}", through_worker=False)
    try:
        prepare_warehouse(client, Settings())
        result["ready_at"] = time.time()
        SYSTEMS[args.system](args, client, job, progress)
        rows, distinct = client.query(job.count_sql()).result_rows[0]
        progress.read_blocks(client, job)
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
