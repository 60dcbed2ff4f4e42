"""The one way a Faust app is made here, for the worker and the benchmarks alike: our
transport with its fetch wait (``pipeline.kafka.transport``), raw keys and values (the
agents decode against the contracts themselves), reading from the earliest offset, no
leader topic, tables in memory (the worker keeps no Faust state)."""

from __future__ import annotations

from typing import Any

import faust

from pipeline.kafka import transport


def new_app(app_id: str, bootstrap: str, fetch_max_wait_ms: int, **conf: Any) -> faust.App:
    app = faust.App(
        app_id,
        broker=f"{transport.SCHEME}://{bootstrap}",
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        key_serializer="raw",
        value_serializer="raw",
        store="memory://",
        **conf,
    )
    setattr(app, transport.APP_ATTRIBUTE, fetch_max_wait_ms)  # read by its consumer thread
    return app
