"""Message contracts on Kafka: what producers send and what we accept."""

from pipeline.contracts._fields import Contract
from pipeline.contracts._timestamps import parse_ts
from pipeline.contracts.complaint import Complaint
from pipeline.contracts.complaint_update import ComplaintUpdate
from pipeline.contracts.dead_letter import DeadLetter
from pipeline.contracts.decode import Limits, Rejection, decode
from pipeline.contracts.satisfaction import SatisfactionEvent
from pipeline.contracts.topics import (
    COMPLAINT_UPDATES,
    COMPLAINTS,
    DEAD_LETTERS,
    INPUT_TOPICS,
    SATISFACTION_EVENTS,
)
from pipeline.gaps import DIMENSIONS, Dimension

__all__ = [
    "COMPLAINTS",
    "COMPLAINT_UPDATES",
    "DEAD_LETTERS",
    "DIMENSIONS",
    "INPUT_TOPICS",
    "SATISFACTION_EVENTS",
    "Complaint",
    "ComplaintUpdate",
    "Contract",
    "DeadLetter",
    "Dimension",
    "Limits",
    "Rejection",
    "SatisfactionEvent",
    "decode",
    "parse_ts",
]
