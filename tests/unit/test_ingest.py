"""Each ingest agent on its own: registered on any app, reading its topic, its step turning
a batch into rows and dead letters."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from pipeline.agents.batch import Message
from pipeline.agents.ingest import INGEST, satisfaction_step
from pipeline.agents.worker import Worker
from pipeline.config import Settings
from pipeline.contracts import DEAD_LETTERS, INPUT_TOPICS, SATISFACTION_EVENTS
from pipeline.kafka.faust_app import new_app


def bare_worker(tmp_path) -> Worker:
    """A worker with no warehouse and no model: enough for what these tests look at."""
    return Worker(Settings().with_(data_dir=tmp_path), client=None, model=None)


def test_every_input_topic_and_the_dead_letters_have_one_agent():
    assert sorted(i.topic for i in INGEST) == sorted([*INPUT_TOPICS, DEAD_LETTERS])


def test_each_agent_registers_alone_on_its_topic(tmp_path):
    worker = bare_worker(tmp_path)
    for ingest in INGEST:
        app = new_app(f"test-{ingest.name}", "127.0.0.1:9", 50, datadir=str(tmp_path / "f"))
        ingest.register(app, worker, app.topic(ingest.topic), app.topic(DEAD_LETTERS))
        (agent,) = app.agents.values()
        assert agent.channel.get_topic_name() == ingest.topic
        assert agent.name.endswith(ingest.name)


def test_the_satisfaction_step_turns_a_batch_into_rows_and_dead_letters(tmp_path):
    now = datetime.now(UTC)
    good = {
        "event_id": "e1",
        "ts": now.isoformat(),
        "store_id": "S01",
        "channel": "app",
        "score": 4,
    }
    msgs = [
        Message(SATISFACTION_EVENTS, 0, 0, json.dumps(good).encode()),
        Message(SATISFACTION_EVENTS, 0, 1, b"{not json"),
    ]
    outcome = asyncio.run(satisfaction_step(bare_worker(tmp_path))(msgs, now))
    assert [row[0] for row in outcome.rows] == ["e1"]
    (refused,) = outcome.dead_letters
    assert (refused.offset, refused.source_topic) == (1, SATISFACTION_EVENTS) and refused.reason
