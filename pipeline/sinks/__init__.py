"""Sinks: where agents hand rows, flushed before each offset commit."""

from pipeline.sinks.base import BatchingSink, ListSink, Row, Sink
from pipeline.sinks.clickhouse import Backoff, ClickHouseSink, SinkStopped

__all__ = ["Backoff", "BatchingSink", "ClickHouseSink", "ListSink", "Row", "Sink", "SinkStopped"]
