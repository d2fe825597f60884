"""A backend that keeps stats in a list, for tests and for looking at them."""

from __future__ import annotations

from collections.abc import Iterator

from ..stat import Stat

__all__ = ["MemoryBackend"]


class MemoryBackend:
    """Keeps every stat it is sent, in arrival order.

    A stat is in :attr:`stats` as soon as ``track()`` returns. Safe to use from
    many threads: each append and each copy of the list is one atomic list
    operation, and :attr:`stats` returns a snapshot.
    """

    def __init__(self) -> None:
        self._stats: list[Stat] = []
        if type(self).send is MemoryBackend.send:
            # send() is the list's own append, atomic on its own; bound
            # directly, it costs half what a method around it would.
            self.send = self._stats.append  # type: ignore[method-assign, assignment]

    def send(self, stat: Stat) -> None:
        self._stats.append(stat)

    @property
    def stats(self) -> list[Stat]:
        """A copy of the stats received so far, oldest first."""
        return self._stats.copy()

    def flush(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        pass

    def clear(self) -> None:
        """Forget every stat received so far."""
        self._stats.clear()

    def named(self, name: str) -> list[Stat]:
        """The stats of one metric, oldest first."""
        return [stat for stat in self.stats if stat.name == name]

    def __len__(self) -> int:
        return len(self._stats)

    def __iter__(self) -> Iterator[Stat]:
        return iter(self.stats)
