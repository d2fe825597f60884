"""A span processor that turns each ended span into one stat."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from opentelemetry.context import Context
from opentelemetry.trace import SpanKind

from statsmix_middleware import Client, get_client
from statsmix_middleware.conventions import DEFAULT_REQUEST_METRIC, UNMATCHED_ROUTE
from statsmix_middleware.stat import validate_name

from ._attributes import MetaMap, error_name
from ._filters import DEFAULT_EXCLUDE_NAMES, SpanFilter
from ._spans import EndedSpan

__all__ = ["MetricChooser", "StatsMixSpanProcessor"]

# Failures of ours log where the core's do, under ``statsmix_middleware``.
logger = logging.getLogger("statsmix_middleware.opentelemetry")

#: Picks the metric of a span; None leaves it to the default rule.
MetricChooser = Callable[[EndedSpan], str | None]

_NO_ATTRIBUTES: Mapping[str, Any] = MappingProxyType({})

# The threads on which the library delivers stats (HTTPBackend's worker is
# "statsmix-http-backend"). A span ended there comes from instrumenting our
# own delivery, such as an instrumented httpx posting a batch: tracking it
# would queue a stat whose delivery makes another span, without end.
_OWN_THREAD_PREFIX = "statsmix-"


class StatsMixSpanProcessor:
    """Tracks one stat per ended span: its duration in milliseconds.

    Add it to an SDK ``TracerProvider`` with ``add_span_processor``; it has
    every hook the SDK calls and needs nothing but ``opentelemetry-api``.

    Each span's stat has the span's start as ``generated_at`` and, as meta,
    strings read from a bounded set of attributes: ``route`` from
    ``http.route``, ``method`` from ``http.request.method`` or
    ``http.method``, ``status`` from ``http.response.status_code`` or
    ``http.status_code``, and, when the span's status is ``ERROR``,
    ``error``: the class name of its last recorded exception, else its
    ``error.type``. Paths, URLs and ids never become meta unless
    ``attributes`` maps them.

    The metric is the span's name, except for server spans: instrumentations
    name those after the raw path, so a server span is tracked under
    ``request_metric``, like the middleware's requests, with ``route`` set to
    ``"__unmatched__"`` when the span has no ``http.route``, and ``status``
    set to ``"500"`` when it failed with an error before any status was set.

    Only spans the sampler records reach a processor, so a sampler that
    drops spans drops their stats too. Spans that end on the library's own
    ``statsmix-*`` threads are never tracked: they come from instrumenting
    the delivery of stats, and tracking them would feed back without end.

    A failure of ours (a span name that is no valid metric, a raising
    ``metric`` callable, a broken client) is logged under the
    ``statsmix_middleware.opentelemetry`` logger and never reaches the SDK or
    the traced code.

    Args:
        client: where stats go; the default client, looked up on every span,
            when None.
        metric: called with each span; returns its metric name, or None for
            the default rule.
        request_metric: the metric of server spans.
        kinds: the span kinds to track; all when None.
        names: shell-style patterns of the span names to track; all when
            None.
        exclude_names: patterns of span names never tracked. The default
            leaves out the ASGI instrumentation's per-message spans.
        attributes: more span attributes to copy into meta, mapped to their
            meta key, e.g. ``{"db.system": "db"}``.
        shutdown_timeout: at most this many seconds to flush the client on
            ``shutdown``.

    Raises:
        TypeError, ValueError: an option is invalid; the message names it.
    """

    def __init__(
        self,
        *,
        client: Client | None = None,
        metric: MetricChooser | None = None,
        request_metric: str = DEFAULT_REQUEST_METRIC,
        kinds: SpanKind | Iterable[SpanKind] | None = None,
        names: str | Iterable[str] | None = None,
        exclude_names: str | Iterable[str] = DEFAULT_EXCLUDE_NAMES,
        attributes: Mapping[str, str] | None = None,
        shutdown_timeout: float = 5.0,
    ) -> None:
        if metric is not None and not callable(metric):
            raise TypeError(f"metric must be callable, not {type(metric).__name__}")
        _check_timeout(shutdown_timeout, "shutdown_timeout")

        self._client = client
        self._metric = metric
        self._request_metric = validate_name(request_metric)
        self._filter = SpanFilter(kinds=kinds, names=names, exclude_names=exclude_names)
        self._meta = MetaMap(attributes)
        self._shutdown_timeout = shutdown_timeout

        self._is_shut_down = False
        self._lock = threading.Lock()
        self._failures = 0

    @property
    def client(self) -> Client:
        """The client stats go to: the one given, else the current default."""
        return self._client if self._client is not None else get_client()

    @property
    def failures(self) -> int:
        """How many spans failed to become stats; each was logged."""
        return self._failures

    def on_start(self, span: Any, parent_context: Context | None = None) -> None:
        """Nothing to do when a span starts: all it needs is known at its end."""

    def _on_ending(self, span: Any) -> None:
        """Called by the SDK while a span ends, before ``on_end``; unused."""

    def on_ending(self, span: Any) -> None:
        """The specification's name for ``_on_ending``; unused."""

    def on_end(self, span: EndedSpan) -> None:
        """Track the ended span as one stat, unless it is filtered out."""
        # Limitation: the SDK hands over only the spans its sampler records;
        # with a ratio sampler the stats are sampled alike, and not rescaled.
        if self._is_shut_down:
            return
        # Limitation: under the SDK's ConcurrentMultiSpanProcessor, on_end runs
        # on its thread pool, so spans of our own delivery are not recognised.
        if threading.current_thread().name.startswith(_OWN_THREAD_PREFIX):
            return
        try:
            self._track(span)
        except Exception:
            self._record_failure(span)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Flush the client; True when everything tracked was delivered."""
        try:
            return self.client.flush(timeout_millis / 1000)
        except Exception:
            logger.error("StatsMix span processor failed to flush", exc_info=True)
            return False

    def shutdown(self) -> None:
        """Stop tracking spans and flush the client, bounded in time.

        The client is flushed, not closed: it may serve other code, and
        whoever made it closes it.
        """
        if self._is_shut_down:
            return
        self._is_shut_down = True
        self.force_flush(int(self._shutdown_timeout * 1000))

    def _track(self, span: EndedSpan) -> None:
        start, end = span.start_time, span.end_time
        if start is None or end is None:
            return

        kind, name = span.kind, span.name
        if not self._filter.allows(kind, name):
            return

        attributes = span.attributes
        if attributes is None:
            attributes = _NO_ATTRIBUTES
        meta = self._meta.read(attributes)
        error = error_name(span, attributes)
        if error is not None:
            meta["error"] = error

        metric = self._metric(span) if self._metric is not None else None
        if kind is SpanKind.SERVER:
            metric = metric or self._request_metric
            # Limitation: the plain ASGI instrumentation runs before routing
            # and sets no http.route, so its requests all get the placeholder.
            meta.setdefault("route", UNMATCHED_ROUTE)
            if error is not None:
                meta.setdefault("status", "500")

        # Epoch seconds as a float are a microsecond off at worst, and the
        # client turns them into a UTC datetime faster than we could.
        self.client.track(
            metric or name,
            round((end - start) / 1e6, 3),
            meta=meta,
            generated_at=start / 1e9,
        )

    def _record_failure(self, span: EndedSpan) -> None:
        with self._lock:
            self._failures += 1
            first = self._failures == 1

        log = logger.error if first else logger.debug
        log(
            "StatsMix span processor could not track span %r; ignored",
            getattr(span, "name", None),
            exc_info=True,
        )


def _check_timeout(seconds: object, field: str) -> None:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{field} must be a number, not {type(seconds).__name__}")
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"{field} must be 0 or more seconds, not {seconds!r}")
