"""A worker left without partitions while its group's work stands still rejoins the group.

The embedded broker can answer a member's SyncGroup in a racing rebalance with an error a
real broker does not send; the member then idles with no partitions while the partitions it
should have had go unread (docs/scaling.md). A worker without partitions is normal when the
group has more members than partitions, so the rule is about progress: no partitions here,
a backlog on some partition, and the group's committed offset of every partition with a
backlog unchanged for ``after`` seconds. Then, and only then, it rejoins.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

P = TypeVar("P", bound=Hashable)  # a partition, as the caller names it


@dataclass
class StallWatch(Generic[P]):
    after: float  # seconds without progress before a rejoin
    _since: float | None = None
    _seen: dict[P, int] = field(default_factory=dict)

    def observe(
        self,
        now: float,
        assigned: bool,
        committed: Mapping[P, int],
        ends: Mapping[P, int],
    ) -> bool:
        """True when this worker should rejoin now."""
        backlog = {tp: end for tp, end in ends.items() if end > committed.get(tp, 0)}
        moved = any(committed.get(tp) != self._seen.get(tp) for tp in backlog)
        self._seen = dict(committed)
        if assigned or not backlog or moved or self._since is None:
            self._since = None if (assigned or not backlog) else now
            return False
        if now - self._since >= self.after:
            self._since = now  # give the rejoin its own full period before the next
            return True
        return False
