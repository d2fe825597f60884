"""The contract every backend meets; a third-party backend need not import it."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..stat import Stat

__all__ = ["Backend"]


@runtime_checkable
class Backend(Protocol):
    """Where a client hands its stats.

    ``send`` is called on the caller's thread for every accepted stat, so it
    must return quickly and never do network I/O itself. ``flush`` waits at
    most ``timeout`` seconds (forever when None) and says whether everything
    sent so far was delivered. ``close`` releases what the backend holds;
    sending after it is a no-op.
    """

    def send(self, stat: Stat) -> None: ...

    def flush(self, timeout: float | None = None) -> bool: ...

    def close(self) -> None: ...
