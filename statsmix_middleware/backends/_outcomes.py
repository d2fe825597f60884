"""What became of each stat of a delivery, and how a refusal is told and named."""

from __future__ import annotations

import logging
import time

from ..errors import is_plan_limit_message
from ._packed import Packed

__all__ = ["Batch", "Refusals"]

logger = logging.getLogger("statsmix_middleware.backends.http")

# Distinct refusals remembered as already logged; past this they are logged
# afresh rather than remembered without bound.
_MAX_REMEMBERED_MESSAGES = 100


class Batch:
    """The stats of one delivery, by index, and the fate of each.

    A stat is sent, lost with a reason, or still undecided. A lost stat is
    "unsent" when it never reached the server (plan-limit pause, shutdown):
    those count as dropped, the others as failed.
    """

    def __init__(self, first: int, stats: list[Packed]) -> None:
        self.first = first
        self.stats = stats
        self.sent: set[int] = set()
        self.lost: dict[int, str] = {}
        self.unsent: set[int] = set()

    def fail(self, indices: list[int], reason: str) -> None:
        for index in indices:
            self.lost[index] = reason

    def drop(self, indices: list[int], reason: str) -> None:
        self.fail(indices, reason)
        self.unsent.update(indices)

    def undecided(self) -> list[int]:
        decided = self.sent | self.lost.keys()
        return [i for i in range(len(self.stats)) if i not in decided]


class Refusals:
    """Names each final refusal, logs it as it deserves, and keeps the pause.

    A bad key is logged once, as an error: every later batch would say the
    same. The plan limit is logged once per pause, and pauses sending so that
    an account over its limit is not hammered. A 422 is logged per stat, since
    each names a different field; anything else once per distinct message.
    """

    def __init__(self, plan_limit_pause: float) -> None:
        self.plan_limit_pause = plan_limit_pause
        self._paused_until = 0.0
        self._said: set[tuple[int, str]] = set()

    def paused(self) -> bool:
        """Whether sending waits out a plan-limit pause right now."""
        return time.monotonic() < self._paused_until

    def reason(self, name: str, status: int, message: str) -> str:
        """Log the refusal of a stat of ``name``; return what ``on_drop`` hears."""
        if status == 401:
            self._say_once(
                logging.ERROR,
                status,
                "StatsMix refused the API key (401: %s); stats are dropped until "
                "STATSMIX_API_KEY (or api_key=) is right",
                message,
            )
            return "unauthorized"

        if status == 403 and is_plan_limit_message(message):
            self._pause(message)
            return "plan_limit"

        if status == 422:
            logger.warning("StatsMix refused a stat of %r (422): %s", name, message)
            return "invalid"

        if status == 413:
            logger.warning("StatsMix refused a stat of %r as too large", name)
            return "too_large"

        self._say_once(
            logging.WARNING, status, "StatsMix refused stats (%d): %s", status, message
        )
        return "forbidden" if status == 403 else "rejected"

    def _pause(self, message: str) -> None:
        if self.paused():
            return
        self._paused_until = time.monotonic() + self.plan_limit_pause
        logger.warning(
            "StatsMix plan limit reached (403: %s); stats are dropped for the "
            "next %g seconds",
            message,
            self.plan_limit_pause,
        )

    def _say_once(self, level: int, status: int, text: str, *args: object) -> None:
        key = (status, str(args[-1]))
        if key in self._said:
            logger.debug(text, *args)
            return
        if len(self._said) >= _MAX_REMEMBERED_MESSAGES:
            self._said.clear()
        self._said.add(key)
        logger.log(level, text, *args)
