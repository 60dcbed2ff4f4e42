"""Kafka outside the embedded broker: topic definitions, creation, security pass-through."""

from pipeline.kafka.security import confluent_config, faust_credentials, kafka_python_config
from pipeline.kafka.topics import TopicSpec, create_topics, topic_specs

__all__ = [
    "TopicSpec",
    "confluent_config",
    "create_topics",
    "faust_credentials",
    "kafka_python_config",
    "topic_specs",
]
