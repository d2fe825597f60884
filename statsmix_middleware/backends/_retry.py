"""When to try a delivery again, and how long to wait before doing so."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

__all__ = ["MAX_RETRY_AFTER", "backoff_delay", "is_retryable", "parse_retry_after"]

# A Retry-After is obeyed up to this many seconds; a server asking for more is
# most likely misconfigured, and the queue would fill up meanwhile.
MAX_RETRY_AFTER = 60.0

# Statuses that say "not now" rather than "never": timeouts, rate limits and
# server trouble. 501 and 505 will not change on a second try.
_RETRYABLE_4XX = frozenset({408, 425, 429})
_FINAL_5XX = frozenset({501, 505})


def is_retryable(status: int) -> bool:
    """Whether a status (0 when no answer came) is worth another attempt."""
    if status == 0 or status in _RETRYABLE_4XX:
        return True
    return status >= 500 and status not in _FINAL_5XX


def backoff_delay(
    attempt: int, base: float, cap: float, retry_after: float | None = None
) -> float:
    """Seconds to wait before retry number ``attempt`` (counting from 0).

    The ceiling doubles per attempt up to ``cap``; the wait is half the
    ceiling plus a random share of the other half. The random half spreads
    many processes apart after an outage; the fixed half makes the total
    patience predictable (see ``HTTPBackend``'s defaults). A ``Retry-After``
    from the server is a floor.
    """
    ceiling = min(cap, base * 2.0**attempt)
    delay = ceiling / 2 + random.uniform(0, ceiling / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def parse_retry_after(value: str | None) -> float | None:
    """Read a ``Retry-After`` header: delay-seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()

    try:
        return max(0.0, float(text))
    except ValueError:
        pass

    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())
