"""What the processor reads of a span: the SDK's ``ReadableSpan``, as a type.

The SDK is not a dependency, so its classes are described here by shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from opentelemetry.trace import SpanKind, Status

__all__ = ["EndedSpan", "SpanEvent"]


class SpanEvent(Protocol):
    """An event recorded on a span, such as an exception."""

    @property
    def name(self) -> str: ...

    @property
    def attributes(self) -> Mapping[str, Any] | None: ...


class EndedSpan(Protocol):
    """A span as span processors receive it in ``on_end``."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> SpanKind: ...

    @property
    def start_time(self) -> int | None: ...

    @property
    def end_time(self) -> int | None: ...

    @property
    def attributes(self) -> Mapping[str, Any] | None: ...

    @property
    def events(self) -> Sequence[SpanEvent]: ...

    @property
    def status(self) -> Status: ...
