"""Rates over the last minute from a worker's running counters: steadier than the change
between two polls, and what an ops person means by "now"."""

from __future__ import annotations

from collections import deque

WINDOW_SECONDS = 60.0


class RateWindow:
    """Samples of per-topic counters (received, written) kept for the last `seconds`."""

    def __init__(self, seconds: float = WINDOW_SECONDS) -> None:
        self.seconds = seconds
        self._samples: deque[tuple[float, dict[str, tuple[int, int]]]] = deque()

    def add(self, at: float, topics: dict[str, dict]) -> None:
        counters = {name: (t["received"], t["written"]) for name, t in topics.items()}
        self._samples.append((at, counters))
        # Keep one sample at or before the window's start, so the rate spans all of it.
        while len(self._samples) > 2 and self._samples[1][0] <= at - self.seconds:
            self._samples.popleft()

    def rates(self) -> dict[str, dict[str, float]]:
        """Per topic: messages received and rows written per second over the window."""
        if len(self._samples) < 2:
            return {}
        (t0, old), (t1, new) = self._samples[0], self._samples[-1]
        span = max(t1 - t0, 1e-6)
        return {
            name: {
                "received": (received - old.get(name, (0, 0))[0]) / span,
                "written": (written - old.get(name, (0, 0))[1]) / span,
            }
            for name, (received, written) in new.items()
        }

    @property
    def span(self) -> float:
        return self._samples[-1][0] - self._samples[0][0] if len(self._samples) > 1 else 0.0
