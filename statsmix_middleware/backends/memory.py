"""A backend that keeps stats in a list, for tests and for looking at them."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from ..stat import Stat

__all__ = ["MemoryBackend"]


class MemoryBackend:
    """Keeps every stat it is sent, in arrival order.

    A stat is in :attr:`stats` as soon as ``track()`` returns. Safe to use from
    many threads: appends are serialised, and :attr:`stats` returns a snapshot.
    """

    def __init__(self) -> None:
        self._stats: list[Stat] = []
        self._lock = threading.Lock()

    @property
    def stats(self) -> list[Stat]:
        """A copy of the stats received so far, oldest first."""
        with self._lock:
            return list(self._stats)

    def send(self, stat: Stat) -> None:
        with self._lock:
            self._stats.append(stat)

    def flush(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        pass

    def clear(self) -> None:
        """Forget every stat received so far."""
        with self._lock:
            self._stats.clear()

    def named(self, name: str) -> list[Stat]:
        """The stats of one metric, oldest first."""
        return [stat for stat in self.stats if stat.name == name]

    def __len__(self) -> int:
        with self._lock:
            return len(self._stats)

    def __iter__(self) -> Iterator[Stat]:
        return iter(self.stats)
