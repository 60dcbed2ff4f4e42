"""The errors a user can act on, each as one line: what failed, and what to do about it.

Each layer raises its own error with a sentence for a message (BrokerUnreachable,
WarehouseError, ConfigError, PortInUse, …); this module only recognises them, and the few
third-party errors whose own words would not help (kafka-python's NoBrokersAvailable)."""

from __future__ import annotations


def explain(exc: BaseException) -> str | None:
    """One line for errors we know; None for anything else."""
    from pipeline.agents.runner import PortInUse
    from pipeline.config import ConfigError
    from pipeline.kafka.cluster import BrokerUnreachable
    from pipeline.warehouse.client import WarehouseError
    from pipeline.warehouse.migrate import MigrationLockTimeout

    if isinstance(
        exc, (BrokerUnreachable, WarehouseError, ConfigError, PortInUse, MigrationLockTimeout)
    ):
        return str(exc)
    if type(exc).__name__ == "NoBrokersAvailable":  # kafka-python
        return (
            "no Kafka broker answered at GAPWATCH_KAFKA_BOOTSTRAP: start one (gapwatch broker) "
            "or point GAPWATCH_KAFKA_BOOTSTRAP at yours"
        )
    return None
