"""Realistic feedback traffic: stores of different quality, channels, agents, complaints."""

from __future__ import annotations

import heapq
import itertools
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline.contracts import COMPLAINT_UPDATES, COMPLAINTS, SATISFACTION_EVENTS
from pipeline.gaps import DIMENSIONS, NOT_COMPLAINT
from pipeline.simulate.texts import DECORATIONS, TEXTS

CHANNELS = (("store", 0.45), ("app", 0.25), ("hotline", 0.2), ("web", 0.1))


@dataclass(frozen=True)
class Store:
    store_id: str
    quality: float  # mean score in [1, 5]
    agents: tuple[str, ...]
    weak_gap: str  # the gap this store's complaints lean to


@dataclass(frozen=True)
class Record:
    topic: str
    key: str
    value: dict | bytes  # bytes only for deliberately malformed messages


class Scenario:
    def __init__(
        self, seed: int, stores: int, run_id: str | None = None, invalid_share: float = 0.0
    ) -> None:
        self.rng = random.Random(seed)
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.invalid_share = invalid_share
        gaps = [g for g in TEXTS if g != NOT_COMPLAINT]
        self.stores = [
            Store(
                store_id=f"S{n:03d}",
                quality=self.rng.uniform(3.2, 4.7),
                agents=tuple(f"S{n:03d}-A{a:02d}" for a in range(self.rng.randint(2, 6))),
                weak_gap=self.rng.choice(gaps),
            )
            for n in range(1, stores + 1)
        ]
        self._seq = 0
        # Recovery steps wait here until their event time comes: (due, tiebreak, record).
        self._pending: list[tuple[datetime, int, Record]] = []
        self._tiebreak = itertools.count()

    def _next_id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}-{self.run_id}-{self._seq:08d}"

    def due(self, now: datetime) -> list[Record]:
        """Recovery steps whose event time has come."""
        ready = []
        while self._pending and self._pending[0][0] <= now:
            ready.append(heapq.heappop(self._pending)[2])
        return ready

    def _customer(self, store: Store) -> str:
        # A few hundred regulars per store, so ratings and complaints meet in the paradox view.
        return f"{store.store_id}-K{self.rng.randrange(300):03d}"

    def records(self, now: datetime | None = None) -> Iterator[Record]:
        """One rating, sometimes followed by a complaint from the same visit."""
        moment = now or datetime.now(UTC)
        ts = moment.isoformat(timespec="milliseconds")
        store = self.rng.choice(self.stores)
        channel = self.rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        score = min(5, max(1, round(self.rng.gauss(store.quality, 0.9))))
        if self.rng.random() < self.invalid_share:
            yield Record(SATISFACTION_EVENTS, store.store_id, self._malformed(store, ts))
            return
        event: dict = {
            "event_id": self._next_id("ev"),
            "ts": ts,
            "store_id": store.store_id,
            "channel": channel,
            "agent_id": self.rng.choice(store.agents),
            "score": score,
        }
        customer = self._customer(store) if self.rng.random() < 0.6 else None
        if customer:
            event["customer_id"] = customer
        if self.rng.random() < 0.3:
            event["expectation"] = {d: self.rng.randint(5, 7) for d in DIMENSIONS}
            event["perception"] = {
                d: min(7, max(1, round(self.rng.gauss(store.quality + 1.2, 1.0))))
                for d in DIMENSIONS
            }
        yield Record(SATISFACTION_EVENTS, store.store_id, event)
        if (score <= 2 and self.rng.random() < 0.6) or self.rng.random() < 0.02:
            complaint = self._complaint(store, channel, ts, score)
            if customer:
                complaint["customer_id"] = customer
            yield Record(COMPLAINTS, store.store_id, complaint)
            self._schedule_recovery(store, complaint["complaint_id"], moment)

    def _schedule_recovery(self, store: Store, complaint_id: str, received: datetime) -> None:
        """Acknowledged mostly within 2 hours (some late, 4% never), resolved hours later
        (15% never), 8% reopened and resolved again; faster recovery, happier customer."""
        rng = self.rng

        def after(median_minutes: float, spread: float = 0.8) -> timedelta:
            return timedelta(minutes=median_minutes * math.exp(rng.gauss(0, spread)))

        def step(at: datetime, status: str, score: int | None = None) -> None:
            update: dict = {
                "complaint_id": complaint_id,
                "ts": at.isoformat(timespec="milliseconds"),
                "status": status,
                "agent_id": rng.choice(store.agents),
            }
            if score is not None:
                update["recovery_score"] = score
            record = Record(COMPLAINT_UPDATES, store.store_id, update)
            heapq.heappush(self._pending, (at, next(self._tiebreak), record))

        if rng.random() < 0.04:
            return
        acknowledged = received + after(40)
        step(acknowledged, "acknowledged")
        if rng.random() < 0.15:
            return
        resolved = acknowledged + after(360)
        hours = (resolved - received) / timedelta(hours=1)
        step(resolved, "resolved", min(5, max(1, round(rng.gauss(4.6 - hours / 24, 0.7)))))
        if rng.random() < 0.08:
            reopened = resolved + after(600)
            step(reopened, "reopened")
            step(reopened + after(240), "resolved", min(5, max(1, round(rng.gauss(3.2, 0.9)))))

    def _complaint(self, store: Store, channel: str, ts: str, score: int) -> dict:
        gap = store.weak_gap if self.rng.random() < 0.5 else self.rng.choice(list(TEXTS))
        if score >= 4:
            gap = NOT_COMPLAINT
        order = f"{self.rng.randint(10**9, 10**10 - 1)}"
        text = self.rng.choice(TEXTS[gap]) + self.rng.choice(DECORATIONS).format(order=order)
        complaint = {
            "complaint_id": self._next_id("cp"),
            "ts": ts,
            "store_id": store.store_id,
            "channel": channel,
            "text": text,
        }
        if self.rng.random() < 0.5:
            complaint["order_id"] = order
        if channel == "store" or self.rng.random() < 0.3:
            complaint["agent_id"] = self.rng.choice(store.agents)
        return complaint

    def _malformed(self, store: Store, ts: str) -> bytes:
        kind = self.rng.randrange(4)
        if kind == 0:
            return b"{not json"
        if kind == 1:
            return (
                f'{{"event_id":"{self._next_id("bad")}","ts":"{ts}","store_id":'
                f'"{store.store_id}","channel":"app","score":9}}'
            ).encode()
        if kind == 2:
            return f'{{"event_id":"{self._next_id("bad")}","store_id":"{store.store_id}"}}'.encode()
        return b"\xff\xfe\x00garbage"
