"""Sinks: where agents hand rows, flushed before each offset commit."""

from pipeline.sinks.base import BatchingSink, Flushed, ListSink, Row, Sink
from pipeline.sinks.clickhouse import Backoff, ClickHouseSink, SinkStopped
from pipeline.sinks.ledger import WriteLedger

__all__ = [
    "Backoff",
    "BatchingSink",
    "ClickHouseSink",
    "Flushed",
    "ListSink",
    "Row",
    "Sink",
    "SinkStopped",
    "WriteLedger",
]
