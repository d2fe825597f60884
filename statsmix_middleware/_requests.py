"""What the ASGI and WSGI middleware share: options, exclusions, and the stat.

Both middleware hand each finished request to a :class:`RequestRecorder`,
which turns it into exactly one stat. Everything here that calls user code or
the client is guarded: a failure is logged once per kind and the request is
left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from ._cardinality import DEFAULT_CARDINALITY_LIMIT, CardinalityBudget
from ._failures import FailureLog
from .client import Client
from .context import RequestInfo
from .conventions import DEFAULT_REQUEST_METRIC, UNMATCHED_ROUTE
from .default_client import get_client
from .stat import MAX_META_KEYS, MetaValue, Stat, validate_meta, validate_name

__all__ = [
    "DEFAULT_CARDINALITY_LIMIT",
    "DEFAULT_FLUSH_TIMEOUT",
    "DEFAULT_REQUEST_METRIC",
    "MetaHook",
    "MetricOption",
    "RequestRecorder",
    "RouteResolver",
]

logger = logging.getLogger(__name__)

#: Seconds the middleware waits for the client to flush at lifespan shutdown.
DEFAULT_FLUSH_TIMEOUT = 2.0

# How many (metric, method, route, status) combinations keep their admitted
# meta at hand; past it, each request checks the budget again.
_KNOWN_LIMIT = 10_000
_PlainKey = tuple[str, str, str, str]

#: The ASGI scope or the WSGI environ of the request; hooks receive it as is.
Carrier = Any
MetricOption = str | Callable[[Carrier], str]
MetaHook = Callable[[Carrier], Mapping[str, Any]]
RouteResolver = Callable[[Carrier], "str | None"]


class RequestRecorder:
    """Holds the middleware's options and records one stat per request."""

    def __init__(
        self,
        *,
        client: Client | None,
        metric: MetricOption,
        value: Literal["duration", "count"],
        exclude_paths: Iterable[str],
        exclude_methods: Iterable[str],
        route_resolver: RouteResolver | None,
        meta: MetaHook | None,
        record_raw_path: bool,
        cardinality_limit: int,
        failures: FailureLog,
    ) -> None:
        if client is not None and not isinstance(client, Client):
            raise TypeError(f"client must be a Client, not {type(client).__name__}")
        if value not in ("duration", "count"):
            raise ValueError(f"value must be 'duration' or 'count', not {value!r}")
        if not callable(metric):
            validate_name(metric)
        for option, hook in (("route_resolver", route_resolver), ("meta", meta)):
            if hook is not None and not callable(hook):
                raise TypeError(f"{option} must be callable, not {type(hook).__name__}")

        self.client = client
        self.metric = metric
        self.timed = value == "duration"
        self.route_resolver = route_resolver
        self.meta = meta
        self.record_raw_path = record_raw_path
        self.budget = CardinalityBudget(cardinality_limit)
        self.failures = failures
        self._known: dict[_PlainKey, Mapping[str, MetaValue]] = {}

        paths = _strings("exclude_paths", exclude_paths)
        methods = _strings("exclude_methods", exclude_methods)
        self.exact_paths = frozenset(p for p in paths if not p.endswith("*"))
        self.path_prefixes = tuple(p[:-1] for p in paths if p.endswith("*"))
        self.methods = frozenset(m.upper() for m in methods)
        self.excludes = bool(self.exact_paths or self.path_prefixes or self.methods)

    def excluded(self, method: str, path: str) -> bool:
        """Whether this request is left out of the stats entirely."""
        if method in self.methods or path in self.exact_paths:
            return True
        return bool(self.path_prefixes) and path.startswith(self.path_prefixes)

    def current_client(self) -> Client:
        """The client given, or the default one as it is right now."""
        return self.client if self.client is not None else get_client()

    def record(
        self,
        carrier: Carrier,
        info: RequestInfo,
        path: str,
        status: str,
        error: str | None,
        started_at: int,
        duration: float,
    ) -> None:
        """Track the stat of one finished request; never raises.

        Runs once per request, so the common case (a fixed metric name, a
        route set by an adapter, no hooks) takes no detours.
        """
        try:
            metric = self.metric
            name = metric if isinstance(metric, str) else self._name(metric, carrier)
            if name is None:
                return

            route = info.route
            if self.route_resolver is not None or not isinstance(route, str):
                route = self._route(carrier, info, path)
            if error is None and self.meta is None:
                key = (name, info.method, route, status)
                meta = self._known.get(key) or self._admit_plain(key)
            else:
                meta = self._admit_full(
                    carrier, name, info.method, route, status, error
                )

            client = self.client or get_client()
            value = int(duration * 1_000_000) / 1000 if self.timed else 1
            stat = Stat._trusted(name, value, meta, started_at, client.profile_id)
            client._send_trusted(stat)
        except Exception:
            self.failures.report("recording")

    def _admit_plain(self, key: _PlainKey) -> Mapping[str, MetaValue]:
        """Admit method, route and status; remember them if nothing folded.

        Admitted values stay admitted, so a combination seen once is read
        back from ``_known`` from then on, without another budget check.
        """
        name, method, route, status = key
        plain: dict[str, MetaValue] = {
            "method": method,
            "route": route,
            "status": status,
        }
        meta = self.budget.admit(name, plain)
        admitted = (name, meta["method"], meta["route"], meta["status"])
        if admitted == key and len(self._known) < _KNOWN_LIMIT:
            self._known[key] = meta
        return meta

    def _admit_full(
        self,
        carrier: Carrier,
        name: str,
        method: str,
        route: str,
        status: str,
        error: str | None,
    ) -> Mapping[str, MetaValue]:
        meta: dict[str, MetaValue] = {
            "method": method,
            "route": route,
            "status": status,
        }
        if error is not None:
            meta["error"] = error
        if self.meta is not None:
            self._add_user_meta(self.meta, carrier, meta)
        return self.budget.admit(name, meta)

    def _name(self, metric: Callable[[Carrier], str], carrier: Carrier) -> str | None:
        try:
            return validate_name(metric(carrier))
        except Exception:
            self.failures.report("metric callable")
            return None

    def _route(self, carrier: Carrier, info: RequestInfo, path: str) -> str:
        """The resolver's answer, else the integration's, else the placeholder."""
        if self.route_resolver is not None:
            try:
                route = self.route_resolver(carrier)
            except Exception:
                self.failures.report("route_resolver")
                route = None
            if isinstance(route, str):
                return route

        route = info.route
        if isinstance(route, str):
            return route
        return path if self.record_raw_path else UNMATCHED_ROUTE

    def _add_user_meta(
        self, hook: MetaHook, carrier: Carrier, meta: dict[str, MetaValue]
    ) -> None:
        """Add the ``meta`` hook's keys; the request's own keys always win."""
        try:
            extra = validate_meta(hook(carrier))
        except Exception:
            self.failures.report("meta callable")
            return

        for key, value in extra.items():
            if len(meta) >= MAX_META_KEYS:
                break
            meta.setdefault(key, value)


def _strings(option: str, values: Iterable[str]) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"{option} must be a list of strings, not one string")
    items = list(values)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{option} must hold strings, not {type(item).__name__}")
    return items
