"""Which Kafka cluster a worker reads: its id is part of every dead letter's identity."""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.kafka.security import confluent_config


class BrokerUnreachable(RuntimeError):
    """No broker answered at the configured bootstrap address."""


def cluster_id(settings: Settings, timeout: float | None = None) -> str:
    """The cluster id the brokers report (a new embedded broker, or a new cluster, has a
    new one); raises BrokerUnreachable when none answers within ``timeout``."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    timeout = settings.kafka.connect_timeout if timeout is None else timeout
    admin = AdminClient({**confluent_config(settings), "log_level": 0})
    try:
        metadata = admin.list_topics(timeout=timeout)
    except KafkaException as exc:
        raise BrokerUnreachable(
            f"no Kafka broker answered at {settings.kafka.bootstrap} within {timeout:.0f}s "
            f"({exc.args[0].str() if exc.args else exc}); start one (gapwatch broker) or set "
            "GAPWATCH_KAFKA_BOOTSTRAP"
        ) from None
    # None when the broker does not say (confluent-kafka's annotation allows only None).
    found: str | None = metadata.cluster_id
    return found or ""
