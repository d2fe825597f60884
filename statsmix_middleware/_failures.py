"""Log our own failures once per kind, so a broken hook cannot flood the logs."""

from __future__ import annotations

import logging
import threading

__all__ = ["FailureLog"]


class FailureLog:
    """Counts the failures of one component, logging the first of each kind.

    Call :meth:`report` from inside an ``except`` block: the first failure of
    a kind is logged at ERROR with its traceback, later ones at DEBUG, so a
    resolver that fails on every request leaves one line, not thousands.
    """

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def counts(self) -> dict[str, int]:
        """How many failures of each kind were swallowed so far."""
        with self._lock:
            return dict(self._counts)

    def report(self, kind: str) -> None:
        """Log the exception being handled as a failure of ``kind``; never raises."""
        with self._lock:
            count = self._counts.get(kind, 0) + 1
            self._counts[kind] = count

        if count == 1:
            self._logger.error(
                "StatsMix %s failed; the request or call goes on untracked "
                "by it (logged once)",
                kind,
                exc_info=True,
            )
        else:
            self._logger.debug("StatsMix %s failed again", kind, exc_info=True)
