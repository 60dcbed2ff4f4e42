"""``gapwatch alerts backtest``: the live detector run on a file of satisfaction events.

The events are read in the topic's contract (bad lines are counted with their reason, as
the worker would dead-letter them), deduplicated by ``event_id`` as the warehouse does,
bucketed into the detector's windows on event time, and fed through the same ScopeFeed the
worker's alert runner uses. Ops teams tune ``GAPWATCH_ALERT_*`` on their own history this
way before going live.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.alerting.detector import Detector, DetectorConfig
from pipeline.alerting.explain import Explanation
from pipeline.alerting.outputs import AlertRecord
from pipeline.alerting.stream import Ratings, ScopeFeed, floor
from pipeline.contracts import SatisfactionEvent
from pipeline.contracts.decode import Limits, Rejection, decode
from pipeline.warehouse.stores import Directory

# History has no "now": any event time is plausible in a backtest.
_ANY_TIME = Limits(max_future=timedelta(days=36_500), max_age=timedelta(days=36_500))
_NO_COMPLAINTS = Explanation({}, {}, [], "")  # a backtest reads ratings only


@dataclass
class Backtest:
    """What a run read and raised."""

    events: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    alerts: list[AlertRecord] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None


def read_events(lines: Iterable[bytes], result: Backtest) -> Iterator[SatisfactionEvent]:
    """The valid events of JSON lines, each ``event_id`` once; the rest counted in ``result``."""
    seen: set[str] = set()
    now = datetime.now(UTC)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        decoded = decode(line.strip(), SatisfactionEvent, _ANY_TIME, now)
        if isinstance(decoded, Rejection):
            result.rejected[f"line {number}: {decoded.reason}"] += 1
            continue
        if decoded.event_id in seen:
            result.duplicates += 1
            continue
        seen.add(decoded.event_id)
        result.events += 1
        yield decoded


def windows_of(
    events: Iterable[SatisfactionEvent], window: timedelta
) -> dict[datetime, list[Ratings]]:
    """Ratings per window start (UTC) and store × channel, as the satisfaction rollup holds
    them: a top-two rating scores 4 or 5; the last count is of 1s."""
    cells: dict[datetime, dict[tuple[str, str], list[int]]] = defaultdict(dict)
    for e in events:
        at = floor(e.ts.astimezone(UTC), window)
        counts = cells[at].setdefault((e.store_id, e.channel), [0, 0, 0, 0])
        counts[0] += 1
        counts[1] += e.score >= 4
        counts[2] += e.score
        counts[3] += e.score == 1
    return {
        at: [
            (store, channel, n, top2, score, ones)
            for (store, channel), (n, top2, score, ones) in by.items()
        ]
        for at, by in cells.items()
    }


def backtest(
    lines: Iterable[bytes],
    config: DetectorConfig | None = None,
    directory: Directory | None = None,
) -> Backtest:
    """Every alert the detector would have raised over the events' span, in event time;
    with the stores' ``directory``, on region and brand scopes too."""
    result = Backtest()
    detector = Detector(config)
    window = detector.config.window
    by_window = windows_of(read_events(lines, result), window)
    if not by_window:
        return result
    feed = ScopeFeed(detector, directory=directory)
    result.first, last = min(by_window), max(by_window)
    result.last = last + window
    at = result.first
    while at <= last:  # every window, quiet ones too: the live runner feeds them all
        for event in feed.feed(at, by_window.get(at, [])):
            result.alerts.append(AlertRecord(event, _NO_COMPLAINTS))
        at += window
    return result


def as_line(record: AlertRecord) -> dict[str, Any]:
    """An alert as the alerts table would hold it, without the JSON payload it derives."""
    row = record.row()._asdict()
    del row["payload"]
    return row
