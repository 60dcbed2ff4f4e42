"""Send dead letters back to their topic after a fix, each once.

Each message goes back with its original key and headers, plus a header naming the dead
letter it replays; only messages the broker acknowledged are recorded as replayed. Should
the command die in between, running it again sends those messages again: an accepted one is
counted once by its id like any republished message, and one that fails again becomes one
dead letter, whose id derives from the header (pipeline.contracts.dead_letter).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pipeline.config import Settings
from pipeline.contracts.dead_letter import REPLAY_HEADER
from pipeline.kafka.security import confluent_config
from pipeline.warehouse.dead_letters import Replayable


@dataclass
class ReplayReport:
    sent: Counter[str] = field(default_factory=Counter)  # per topic
    failed: list[tuple[str, str]] = field(default_factory=list)  # (dead letter id, error)


def send_back(
    settings: Settings, letters: list[Replayable], timeout: float = 30.0
) -> tuple[list[Replayable], ReplayReport]:
    """Produce each to its topic; returns those the broker acknowledged."""
    from confluent_kafka import Producer

    producer = Producer({**confluent_config(settings), "enable.idempotence": True, "log_level": 0})
    report, acked = ReplayReport(), []

    for item in letters:
        letter = item.letter

        def done(err: object, _msg: object, item: Replayable = item) -> None:
            if err is None:
                acked.append(item)
                report.sent[item.topic] += 1
            else:
                report.failed.append((item.letter.dead_letter_id, str(err)))

        headers: list[tuple[str, str | bytes | None]] = [
            (h.name, h.raw()) for h in letter.headers if h.name != REPLAY_HEADER
        ]
        headers.append((REPLAY_HEADER, letter.dead_letter_id.encode()))
        producer.produce(
            letter.source_topic,
            value=letter.original(),
            key=letter.original_key(),
            headers=headers,
            on_delivery=done,
        )
        producer.poll(0)
    remaining = producer.flush(timeout)
    if remaining:
        report.failed.append(("", f"{remaining} messages not acknowledged within {timeout:.0f}s"))
    return acked, report
