"""Running the stack: broker, worker, simulator, demo."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

import click

from pipeline.cli._root import main, settings, setup_logging


@main.command()
@click.option(
    "--bootstrap-file",
    type=click.Path(path_type=Path),
    help="Also write the bootstrap address to this file.",
)
def broker(bootstrap_file: Path | None) -> None:
    """Run the embedded Kafka broker in the foreground and print its bootstrap address."""
    from pipeline.embedded import EmbeddedBroker

    embedded = EmbeddedBroker()
    embedded.create_topics()
    click.echo(embedded.bootstrap)
    sys.stdout.flush()
    if bootstrap_file:
        bootstrap_file.parent.mkdir(parents=True, exist_ok=True)
        bootstrap_file.write_text(embedded.bootstrap + "\n", encoding="utf-8")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


@main.command()
def worker() -> None:
    """Run a Faust worker: GAPWATCH_KAFKA_BOOTSTRAP → agents → GAPWATCH_CLICKHOUSE_DSN."""
    from pipeline.agents import run_worker

    config = settings()
    setup_logging(config.log_level)
    run_worker(config)


@main.command()
@click.option("--rate", default=200.0, show_default=True, help="Ratings per second.")
@click.option("--seconds", default=30.0, show_default=True, help="How long to produce.")
@click.option("--stores", default=12, show_default=True, help="Number of stores.")
@click.option("--seed", default=7, show_default=True, help="Seed for reproducible traffic.")
@click.option("--run-id", default=None, help="Prefix of event ids (default: random per run).")
@click.option(
    "--invalid-share",
    default=0.01,
    show_default=True,
    help="Share of deliberately malformed messages.",
)
@click.option(
    "--bootstrap", default=None, help="Kafka bootstrap (default: GAPWATCH_KAFKA_BOOTSTRAP)."
)
def simulate(
    rate: float,
    seconds: float,
    stores: int,
    seed: int,
    run_id: str | None,
    invalid_share: float,
    bootstrap: str | None,
) -> None:
    """Produce realistic satisfaction events and complaints to Kafka with kafka-python.
    SIGTERM or Ctrl-C stops it early: what was sent is flushed and reported."""
    from kafka.errors import NoBrokersAvailable

    from pipeline.kafka import kafka_python_config
    from pipeline.simulate import Scenario, produce

    config = settings()
    target = bootstrap or config.kafka.bootstrap
    scenario = Scenario(seed=seed, stores=stores, run_id=run_id, invalid_share=invalid_share)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        produced = produce(target, scenario, rate, seconds, kafka_python_config(config), stop)
    except NoBrokersAvailable:
        raise click.ClickException(
            f"no Kafka broker answered at {target}: start one (gapwatch broker) or point "
            "GAPWATCH_KAFKA_BOOTSTRAP (or --bootstrap) at yours"
        ) from None
    report = {
        "produced": dict(produced.counts),
        "malformed": dict(produced.malformed),
        "seconds": round(produced.seconds, 2),
        "run_id": scenario.run_id,
        "stopped_early": stop.is_set(),
    }
    click.echo(json.dumps(report))


@main.group()
def topics() -> None:
    """Kafka topics on a real broker (the embedded one creates them by itself)."""


@topics.command("create")
def topics_create() -> None:
    """Create the topics of infra/kafka/topics.json with their partitions and retention."""
    from pipeline.kafka import create_topics, topic_specs
    from pipeline.kafka.topics import TopicsError

    config = settings()
    try:
        outcomes = create_topics(config)
    except TopicsError as exc:
        raise click.ClickException(str(exc)) from None
    for name, outcome in outcomes.items():
        spec = topic_specs(config)[name]
        click.echo(
            f"{name}: {outcome} ({spec.partitions} partitions, replication "
            f"{spec.replication}, retention {spec.retention})"
        )


@main.command()
@click.option("--seconds", default=60.0, show_default=True, help="How long to simulate traffic.")
@click.option("--rate", default=300.0, show_default=True, help="Ratings per second.")
@click.option("--stores", default=12, show_default=True)
def demo(seconds: float, rate: float, stores: int) -> None:
    """Start broker, worker and simulator; watch it live; end with a summary from ClickHouse."""
    from pipeline.demo.run import run_demo

    sys.exit(run_demo(settings(), seconds=seconds, rate=rate, stores=stores))
