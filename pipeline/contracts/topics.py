"""Kafka topic names: the public contract between producers and GapWatch."""

SATISFACTION_EVENTS = "satisfaction-events"
COMPLAINTS = "complaints"
DEAD_LETTERS = "dead-letters"
ALERTS = "alerts"
COMPLAINT_UPDATES = "complaint-updates"

INPUT_TOPICS = (SATISFACTION_EVENTS, COMPLAINTS, COMPLAINT_UPDATES)
