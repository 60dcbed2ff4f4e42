"""Start one worker process: open the warehouse, migrate, load the model, run the Faust app."""

from __future__ import annotations

import errno
import logging
import socket
from urllib.parse import urlsplit

import faust

from pipeline.agents.app import build_app
from pipeline.agents.worker import Worker
from pipeline.classifier.files import stamp
from pipeline.classifier.live import LiveModel
from pipeline.config import Settings
from pipeline.kafka.cluster import cluster_id
from pipeline.warehouse import connect, redact
from pipeline.warehouse.client import chdb_path
from pipeline.warehouse.holder import announce, withdraw
from pipeline.warehouse.setup import prepare_warehouse

log = logging.getLogger(__name__)


class PortInUse(RuntimeError):
    """The worker's web port is taken (another worker on this host, most likely)."""


def check_port(host: str, port: int) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise PortInUse(
                f"port {port} on {host} is already in use (another worker?): give this worker "
                "its own GAPWATCH_WEB_PORT"
            ) from None


def prepare(settings: Settings) -> tuple[Worker, faust.App]:
    """Each step says what it waits for, in the log: a demo and an operator can follow it."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # Faust makes only the last level
    check_port(settings.web.bind, settings.web.port)
    log.info("starting: looking for Kafka at %s", settings.kafka.bootstrap)
    cluster = cluster_id(settings)  # and a clear error now if no broker answers
    log.info("starting: opening the warehouse %s", redact(settings.warehouse.dsn))
    client = connect(settings.warehouse.dsn, through_worker=False)
    log.info("starting: applying schema migrations")
    prepare_warehouse(client, settings)
    log.info(
        "starting: %s the classifier in %s",
        "loading"
        if stamp(settings.classifier.model_dir) is not None
        else "training (no model yet; this takes minutes)",
        settings.classifier.model_dir,
    )
    model = LiveModel.start(
        settings.classifier.model_dir, settings.classifier.assets_dir, settings.classifier.processes
    )
    worker = Worker(settings, client, model, cluster_id=cluster)
    log.info(
        "worker ready: kafka=%s (cluster %s) clickhouse=%s model=%s",
        settings.kafka.bootstrap,
        cluster,
        redact(settings.warehouse.dsn),
        model.version,
    )
    return worker, build_app(settings, worker)


def run_worker(settings: Settings) -> None:
    worker, app = prepare(settings)
    # On the embedded stack this process now holds the chDB path: other processes' reads
    # come through it (pipeline.agents.warehouse_proxy).
    embedded = urlsplit(settings.warehouse.dsn).scheme == "chdb"
    if embedded:
        announce(chdb_path(settings.warehouse.dsn), settings.web.bind, settings.web.port)
    try:
        faust.Worker(app, loglevel=settings.log_level, quiet=True).execute_from_commandline()
    finally:
        if embedded:
            withdraw(chdb_path(settings.warehouse.dsn))
        worker.close()
