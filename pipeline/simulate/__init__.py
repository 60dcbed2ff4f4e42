"""Realistic satisfaction events and complaints, produced with kafka-python."""

from pipeline.simulate.producer import Produced, produce
from pipeline.simulate.scenario import Record, Scenario

__all__ = ["Produced", "Record", "Scenario", "produce"]
