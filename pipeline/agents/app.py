"""The Faust app of a worker: its topics, the four ingest agents (``pipeline.agents.ingest``),
its timers, the group watchdog and the web pages. Everything it holds is a ``Worker``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import faust

from pipeline.agents import warehouse_proxy
from pipeline.agents.alerts import check_alerts
from pipeline.agents.group_watch import GroupWatch, assigned
from pipeline.agents.ingest import INGEST
from pipeline.agents.timers import follow_assignments, reload_models, report_health
from pipeline.agents.worker import Worker
from pipeline.config import Settings
from pipeline.contracts import DEAD_LETTERS
from pipeline.contracts.topics import ALERTS
from pipeline.kafka import faust_credentials, topic_specs
from pipeline.kafka.faust_app import new_app

__all__ = ["Worker", "build_app"]


def build_app(settings: Settings, worker: Worker) -> faust.App:
    app = new_app(
        settings.kafka.app_id,
        settings.kafka.bootstrap,
        settings.kafka.fetch_max_wait_ms,
        topic_allow_declare=settings.kafka.declare_topics,
        broker_session_timeout=settings.kafka.session_timeout,
        broker_rebalance_timeout=settings.kafka.session_timeout,
        broker_heartbeat_interval=min(3.0, settings.kafka.session_timeout / 3),
        broker_credentials=faust_credentials(settings),
        topic_partitions=settings.kafka.partitions,
        topic_replication_factor=settings.kafka.replication,
        web_enabled=True,
        web_bind=settings.web.bind,
        web_port=settings.web.port,
        datadir=str(settings.data_dir / "faust"),
    )
    # Declared (partitions, replication, retention) only where the broker allows it.
    specs = topic_specs(settings)

    def topic(name: str) -> faust.TopicT:
        spec = specs[name]
        return app.topic(
            name, partitions=spec.partitions, replicas=spec.replication, retention=spec.retention
        )

    dead_letters = topic(DEAD_LETTERS)
    for ingest in INGEST:
        ingest.register(
            app,
            worker,
            dead_letters if ingest.topic == DEAD_LETTERS else topic(ingest.topic),
            dead_letters,
        )

    if settings.alerting.enabled:
        check_alerts(app, worker, topic(ALERTS))
    if settings.classifier.reload_seconds > 0:
        reload_models(app, worker)
    if settings.kafka.rejoin_seconds > 0:
        app.add_dependency(GroupWatch(app, worker.stats, settings.kafka.rejoin_seconds))
    follow_assignments(app, worker)
    report_health(app, worker)

    if urlsplit(settings.warehouse.dsn).scheme == "chdb":
        # The chDB path is this process's alone: reads of other processes come through here.
        warehouse_proxy.register(app, worker.client, worker.in_io)

    @app.page("/stats/")
    async def stats(web: Any, request: Any) -> Any:
        assignment = sorted(f"{tp.topic}:{tp.partition}" for tp in assigned(app))
        worker.stats.repaired_blocks = worker.ledger.repaired
        return web.json(
            {
                "worker": {**worker.stats.snapshot(), "assignment": assignment},
                "classifier": worker.model.state(),
                "warehouse": await worker.warehouse_summary(),
            }
        )

    @app.on_before_shutdown.connect  # type: ignore[arg-type]  # mode's SignalHandlerT: (sender, *args, signal=, **kwargs)
    async def stop_retrying(app: faust.App, **kwargs: Any) -> None:
        worker.stopping.set()

    return app
