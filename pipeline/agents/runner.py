"""Start one worker process: open the warehouse, migrate, load the model, run the Faust app."""

from __future__ import annotations

import logging

import faust

from pipeline.agents.app import Worker, build_app
from pipeline.classifier import load_or_build
from pipeline.classifier.artifact import stamp
from pipeline.config import Settings
from pipeline.kafka.cluster import cluster_id
from pipeline.warehouse import connect, redact
from pipeline.warehouse.setup import prepare_warehouse

log = logging.getLogger(__name__)


def prepare(settings: Settings) -> tuple[Worker, faust.App]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # Faust makes only the last level
    cluster = cluster_id(settings)  # and a clear error now if no broker answers
    client = connect(settings.clickhouse_dsn)
    prepare_warehouse(client, settings)
    # Which file is in place before loading: a model saved while this one loads is picked up.
    saved = stamp(settings.model_dir)
    classifier = load_or_build(settings.model_dir, settings.assets_dir)
    worker = Worker(settings, client, classifier, saved, cluster_id=cluster)
    log.info(
        "worker ready: kafka=%s (cluster %s) clickhouse=%s model=%s",
        settings.kafka_bootstrap,
        cluster,
        redact(settings.clickhouse_dsn),
        classifier.version,
    )
    return worker, build_app(settings, worker)


def run_worker(settings: Settings) -> None:
    worker, app = prepare(settings)
    try:
        faust.Worker(app, loglevel=settings.log_level, quiet=True).execute_from_commandline()
    finally:
        worker.close()
