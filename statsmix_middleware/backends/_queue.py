"""The bounded queue between ``send()`` and the worker, and its book-keeping.

Every accepted stat gets the next sequence number. One worker takes stats in
order and settles them in order, so "everything accepted before a flush was
settled" is a single comparison, and the stats lost in that window are found
by bisecting the ordered list of lost sequence numbers.
"""

from __future__ import annotations

import bisect
import threading
from collections import deque
from collections.abc import Sequence

from ..stat import Stat
from ._packed import Packed, pack

__all__ = ["StatQueue"]

# Lost sequence numbers kept for flush() to look at; older ones are forgotten
# (a flush that waited that long ago already reported them).
_MAX_REMEMBERED_LOSSES = 4096


class StatQueue:
    """Accepts stats from any thread; hands them to one worker in order.

    ``put`` never blocks beyond a short lock and never lets the queue grow
    past ``max_size``. ``wake`` is set when a batch is ready, so the worker
    need not wait out its interval.
    """

    def __init__(self, max_size: int, batch_size: int) -> None:
        self.max_size = max_size
        self.wake = threading.Event()
        self._batch_size = batch_size
        self._items: deque[Packed] = deque()
        self._lock = threading.Lock()
        self._settled_changed = threading.Condition(self._lock)

        self.accepted = 0  # sequence number of the newest accepted stat
        self.taken = 0  # sequence number of the newest stat the worker took
        self.settled = 0  # every stat up to this one was delivered or lost
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        self.retried = 0
        self.full_drops = 0  # queue-full drops the worker has not logged yet

        self._losses: list[int] = []
        self._flushed_upto = 0
        self._full_drops_at_flush = 0
        self._full_drops_total = 0

    def put(self, stat: Stat) -> bool:
        """Queue ``stat``; False, and counted as dropped, when the queue is full."""
        packed = pack(stat)
        with self._lock:
            items = self._items
            size = len(items)
            if size >= self.max_size:
                self.dropped += 1
                self.full_drops += 1
                self._full_drops_total += 1
                return False
            items.append(packed)
            self.accepted += 1

        if size + 1 == self._batch_size:
            self.wake.set()
        return True

    def refuse(self) -> None:
        """Count a stat dropped before it reached the queue."""
        with self._lock:
            self.dropped += 1

    def take(self, limit: int) -> tuple[int, list[Packed]]:
        """Up to ``limit`` of the oldest stats, and the sequence number of the first."""
        with self._lock:
            items = self._items
            count = min(limit, len(items))
            batch = [items.popleft() for _ in range(count)]
            first = self.taken + 1
            self.taken += count
        return first, batch

    def take_full_drops(self) -> int:
        """How many stats the full queue turned away since the last call."""
        with self._lock:
            count, self.full_drops = self.full_drops, 0
        return count

    def __len__(self) -> int:
        return len(self._items)

    def settle(
        self,
        count: int,
        *,
        sent: int = 0,
        failed: Sequence[int] = (),
        dropped: Sequence[int] = (),
    ) -> None:
        """Record the outcome of the next ``count`` stats and wake flushers.

        ``failed`` and ``dropped`` hold the sequence numbers of lost stats.
        """
        with self._settled_changed:
            self.sent += sent
            self.failed += len(failed)
            self.dropped += len(dropped)
            lost = sorted([*failed, *dropped])
            if lost:
                self._losses.extend(lost)
                if len(self._losses) > _MAX_REMEMBERED_LOSSES:
                    del self._losses[: len(self._losses) // 2]
            self.settled += count
            self._settled_changed.notify_all()

    def wait_settled(self, timeout: float | None) -> bool:
        """Wait until all stats accepted so far are settled; True if none was lost.

        Losses count from the last flush that saw its stats settled, so a
        loss is reported once and an old one does not fail every later flush.
        """
        with self._settled_changed:
            target = self.accepted
            since = self._flushed_upto
            full_drops = self._full_drops_total
            done = self._settled_changed.wait_for(
                lambda: self.settled >= target, timeout
            )
            if not done:
                return False

            first_loss = bisect.bisect_right(self._losses, since)
            lost = first_loss < len(self._losses) and self._losses[first_loss] <= target
            lost = lost or full_drops > self._full_drops_at_flush

            self._flushed_upto = max(self._flushed_upto, target)
            self._full_drops_at_flush = max(self._full_drops_at_flush, full_drops)
            return not lost

    def counts(self) -> dict[str, int]:
        """A consistent snapshot of the counters."""
        with self._lock:
            return {
                "sent": self.sent,
                "dropped": self.dropped,
                "failed": self.failed,
                "retried": self.retried,
                "queued": self.accepted - self.settled,
            }
