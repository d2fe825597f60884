"""Which spans become stats: filters by span kind and by span name."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

from opentelemetry.trace import SpanKind

__all__ = ["DEFAULT_EXCLUDE_NAMES", "SpanFilter"]

#: The per-message spans of the ASGI instrumentation. They are named after
#: the server span, so after the raw path, and a streamed response makes
#: hundreds of them: as stats they would be noise with unbounded names.
DEFAULT_EXCLUDE_NAMES: tuple[str, ...] = (
    "* http send",
    "* http receive",
    "* websocket send",
    "* websocket receive",
)


class SpanFilter:
    """Says whether a span of some kind and name is to be tracked.

    Name patterns are shell-style (``fnmatch``, case-sensitive): ``*``
    matches anything, ``?`` one character; a name without wildcards must
    match exactly.

    Args:
        kinds: the span kinds to track; every kind when None.
        names: patterns of the names to track; every name when None.
        exclude_names: patterns of names never tracked; wins over ``names``.
    """

    __slots__ = ("kinds", "_names", "_exclude")

    def __init__(
        self,
        *,
        kinds: SpanKind | Iterable[SpanKind] | None = None,
        names: str | Iterable[str] | None = None,
        exclude_names: str | Iterable[str] = DEFAULT_EXCLUDE_NAMES,
    ) -> None:
        self.kinds = None if kinds is None else _kinds(kinds)
        self._names = None if names is None else _compile(names, "names")
        self._exclude = _compile(exclude_names, "exclude_names")

    def allows(self, kind: SpanKind, name: str) -> bool:
        """True when a span of this kind and name is to be tracked."""
        if self.kinds is not None and kind not in self.kinds:
            return False
        if self._names is not None and not self._names.match(name):
            return False
        return not self._exclude.match(name)


def _kinds(kinds: SpanKind | Iterable[SpanKind]) -> frozenset[SpanKind]:
    if isinstance(kinds, SpanKind):
        return frozenset((kinds,))
    if not isinstance(kinds, Iterable):
        raise TypeError(f"kinds must be SpanKind members, not {type(kinds).__name__}")

    chosen = frozenset(kinds)
    for kind in chosen:
        if not isinstance(kind, SpanKind):
            raise TypeError(
                f"kinds must be SpanKind members, not {type(kind).__name__}"
            )
    return chosen


def _compile(patterns: str | Iterable[str], field: str) -> re.Pattern[str]:
    """One regular expression that matches any of the patterns in full."""
    if isinstance(patterns, str):
        patterns = (patterns,)

    parts = []
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise TypeError(f"{field} must hold strings, not {type(pattern).__name__}")
        parts.append(fnmatch.translate(pattern))

    # An empty alternation would match everything; this matches nothing.
    return re.compile("|".join(parts) if parts else r"(?!)")
