"""Topic definitions (infra/kafka/topics.json + settings), and creating them on a real broker."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from pipeline.config import Settings
from pipeline.kafka.security import confluent_config


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication: int
    retention: timedelta

    @property
    def config(self) -> dict[str, str]:
        return {"retention.ms": str(int(self.retention.total_seconds() * 1000))}


def topic_specs(settings: Settings) -> dict[str, TopicSpec]:
    data = json.loads((settings.infra_dir / "kafka" / "topics.json").read_text(encoding="utf-8"))
    return {
        t["name"]: TopicSpec(
            t["name"],
            settings.kafka.partitions,
            settings.kafka.replication,
            timedelta(hours=t["retention_hours"]),
        )
        for t in data["topics"]
    }


class TopicsError(RuntimeError):
    """Topics could not be created; the message says which and why."""


def create_topics(settings: Settings, timeout: float = 30.0) -> dict[str, str]:
    """Create missing topics with their partitions and retention; say what happened to each."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    from pipeline.kafka.cluster import BrokerUnreachable, cluster_id

    try:
        cluster_id(settings)  # a broker that does not answer: one clear line
    except BrokerUnreachable as exc:
        raise TopicsError(str(exc)) from None
    admin = AdminClient({**confluent_config(settings), "log_level": 0})
    specs = list(topic_specs(settings).values())
    futures = admin.create_topics(
        [NewTopic(s.name, s.partitions, s.replication, config=s.config) for s in specs],
        operation_timeout=timeout,
    )
    outcome = {}
    for name, future in futures.items():
        try:
            future.result(timeout)
            outcome[name] = "created"
        except KafkaException as exc:
            if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":
                raise TopicsError(f"could not create topic {name}: {exc.args[0].str()}") from None
            outcome[name] = "exists"
        except TimeoutError:
            raise TopicsError(
                f"the broker at {settings.kafka.bootstrap} did not create topic {name} within "
                f"{timeout:.0f}s"
            ) from None
    return outcome
