"""The ``gapwatch`` command and its subcommands."""

from __future__ import annotations

import csv
import json
import logging
import signal
import sys
import threading
from contextlib import closing
from pathlib import Path

import click
import orjson

from pipeline.config import ConfigError, Settings


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def _logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """GapWatch: customer satisfaction and complaints by service-quality gap, live."""


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
    click.echo(embedded.bootstrap, nl=True)
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

    settings = _settings()
    _logging(settings.log_level)
    run_worker(settings)


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
    """Produce realistic satisfaction events and complaints to Kafka with kafka-python."""
    from pipeline.simulate import Scenario, produce

    settings = _settings()
    scenario = Scenario(seed=seed, stores=stores, run_id=run_id, invalid_share=invalid_share)
    produced = produce(bootstrap or settings.kafka_bootstrap, scenario, rate, seconds)
    click.echo(
        json.dumps(
            {
                "produced": dict(produced.counts),
                "malformed": dict(produced.malformed),
                "seconds": round(produced.seconds, 2),
                "run_id": scenario.run_id,
            }
        )
    )


@main.command()
@click.argument("query")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
def sql(query: str, fmt: str) -> None:
    """Run a read-only QUERY against the warehouse and print the result."""
    from pipeline.warehouse import WarehouseError, connect
    from pipeline.warehouse.readonly import ReadOnlyError, read

    settings = _settings()
    try:
        with closing(connect(settings.clickhouse_dsn)) as client:
            columns, rows = read(client, query)
    except (ReadOnlyError, WarehouseError) as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt == "json":
        for row in rows:
            sys.stdout.buffer.write(
                orjson.dumps(dict(zip(columns, row, strict=True)), default=str) + b"\n"
            )
    else:
        from rich.console import Console

        from pipeline.demo.render import table

        Console().print(table(columns, rows))


@main.command()
@click.option("--seconds", default=60.0, show_default=True, help="How long to simulate traffic.")
@click.option("--rate", default=300.0, show_default=True, help="Ratings per second.")
@click.option("--stores", default=12, show_default=True)
def demo(seconds: float, rate: float, stores: int) -> None:
    """Start broker, worker and simulator; watch it live; end with a summary from ClickHouse."""
    from pipeline.demo.run import run_demo

    code = run_demo(_settings(), seconds=seconds, rate=rate, stores=stores)
    sys.exit(code)


if __name__ == "__main__":
    main()
