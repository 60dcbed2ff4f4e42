"""Faust agents: topic → validate → classify → sink."""

from pipeline.agents.app import Worker, build_app
from pipeline.agents.runner import prepare, run_worker

__all__ = ["Worker", "build_app", "prepare", "run_worker"]
