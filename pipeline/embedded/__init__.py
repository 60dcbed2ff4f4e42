"""The embedded default stack's broker (ClickHouse embedded is chDB, reached by chdb:// DSNs)."""

from pipeline.embedded.broker import EmbeddedBroker, embedded_kafka

__all__ = ["EmbeddedBroker", "embedded_kafka"]
