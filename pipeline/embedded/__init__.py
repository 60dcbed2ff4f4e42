"""The embedded default stack's broker (ClickHouse embedded is chDB, reached by chdb:// DSNs)."""

from pipeline.embedded.broker import FETCH_MAX_WAIT_MS, EmbeddedBroker, embedded_kafka

__all__ = ["FETCH_MAX_WAIT_MS", "EmbeddedBroker", "embedded_kafka"]
