"""Faust's aiokafka transport with a configurable fetch wait.

Faust hard-codes ``fetch_max_wait_ms=1500``. A broker answers a fetch that includes an idle
partition only after that wait (the embedded broker always does), so with a worker's four
topics, some idle, a bare agent drops from ~9,000 to ~2,000 messages/s and latency grows to
seconds. The wait is ``GAPWATCH_KAFKA_FETCH_MAX_WAIT_MS``; everything else is Faust's own.
"""

from __future__ import annotations

from typing import Any

import aiokafka
from faust.transport.drivers import TRANSPORTS
from faust.transport.drivers import aiokafka as faust_aiokafka

SCHEME = "gapwatch"
# The app attribute build_app sets from settings; the consumer thread reads it.
APP_ATTRIBUTE = "gapwatch_fetch_max_wait_ms"


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        wait = getattr(transport.app, APP_ATTRIBUTE, None)
        if wait is not None:
            # Read by AIOKafkaConsumer.start() when it builds its fetcher.
            consumer._fetch_max_wait_ms = int(wait)
        return consumer


class Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    Consumer = Consumer


TRANSPORTS.aliases[SCHEME] = f"{__name__}:Transport"
