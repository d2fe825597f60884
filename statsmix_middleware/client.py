"""The client: validates each stat where it is tracked and hands it to a backend."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

from .backends.base import Backend
from .backends.noop import NoopBackend
from .backends.test_metric import TestMetricBackend
from .context import RequestInfo, fast_current_request
from .settings import Settings
from .stat import MAX_META_KEYS, Number, Stat, validate_name

__all__ = ["Client"]

logger = logging.getLogger(__name__)


class Client:
    """Tracks stats into one backend.

    Each setting not given is read from the environment (``STATSMIX_API_KEY``,
    ``STATSMIX_URL``, ``STATSMIX_IGNORE``, ``STATSMIX_TEST_METRIC_NAME``,
    ``STATSMIX_PROFILE_ID``). With no backend given, the first tracked stat
    picks one: an :class:`HTTPBackend` to ``url`` when there is an API key;
    otherwise stats are dropped and one warning names ``STATSMIX_API_KEY``.

    ``ignore`` and ``test_metric_name`` are plain attributes that may change
    while the client is in use. ``ignore`` drops every stat and wins over
    ``test_metric_name``, which renames every stat. A stat is validated even
    when ignored, so a bad call fails in every environment alike.

    Args:
        backend: where stats go; anything with ``send``, ``flush``, ``close``.
        api_key: the account's API key, for the default HTTP backend.
        url: the server's base address, for the default HTTP backend.
        ignore: drop every stat (``STATSMIX_IGNORE``).
        test_metric_name: send every stat under this name instead.
        profile_id: the profile of stats that do not name their own.
    """

    def __init__(
        self,
        *,
        backend: Backend | None = None,
        api_key: str | None = None,
        url: str | None = None,
        ignore: bool | None = None,
        test_metric_name: str | None = None,
        profile_id: int | str | None = None,
    ) -> None:
        settings = Settings.resolve(
            api_key=api_key,
            url=url,
            ignore=ignore,
            test_metric_name=test_metric_name,
            profile_id=profile_id,
        )
        if settings.test_metric_name:
            validate_name(settings.test_metric_name)

        self.settings = settings
        self.ignore = settings.ignore
        self.test_metric_name = settings.test_metric_name
        self.profile_id = settings.profile_id

        self._backend = backend
        self._renamer: TestMetricBackend | None = None
        self._lock = threading.Lock()
        self._failures = 0
        self._failure_kinds: set[str] = set()

    @property
    def backend(self) -> Backend:
        """The backend stats go to, chosen on first use when none was given."""
        backend = self._backend
        if backend is None:
            with self._lock:
                if self._backend is None:
                    self._backend = self._default_backend()
                backend = self._backend
        return backend

    @property
    def failures(self) -> int:
        """How many times the backend raised; each was logged and swallowed."""
        return self._failures

    def track(
        self,
        name: str,
        value: Number = 1,
        *,
        meta: Mapping[str, Any] | None = None,
        ref_id: str | int | None = None,
        generated_at: datetime | str | int | float | None = None,
        profile_id: int | str | None = None,
    ) -> None:
        """Record ``value`` under the metric ``name``.

        Bad input raises ``TypeError`` or ``ValueError`` naming the field, and
        then nothing is recorded. Once a stat is accepted nothing raises: a
        failing backend is logged under ``statsmix_middleware`` and counted in
        :attr:`failures`. Never does network I/O on the calling thread.
        """
        request = fast_current_request()
        if request is not None and (meta is None or isinstance(meta, Mapping)):
            meta = _with_request(meta, request)

        stat = Stat(
            name,
            value,
            meta=meta,
            ref_id=ref_id,
            generated_at=generated_at,
            profile_id=self.profile_id if profile_id is None else profile_id,
        )
        if self.ignore:
            return

        try:
            backend = self._backend
            if backend is None or self.test_metric_name:
                backend = self._sender()
            backend.send(stat)
        except Exception:
            self._record_failure("send")

    def _send_trusted(self, stat: Stat) -> None:
        """Hand over a stat built from checked parts, as :meth:`track` would.

        The middleware and the decorator build their stats themselves; this
        applies ``ignore``, ``test_metric_name`` and the failure guard to them.
        """
        if self.ignore:
            return

        try:
            backend = self._backend
            if backend is None or self.test_metric_name:
                backend = self._sender()
            backend.send(stat)
        except Exception:
            self._record_failure("send")

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything tracked so far is delivered; True if it was."""
        if self._backend is None:
            return True
        try:
            return self._backend.flush(timeout)
        except Exception:
            self._record_failure("flush")
            return False

    def close(self) -> None:
        """Flush with the backend's own bound and release what it holds."""
        if self._backend is None:
            return
        try:
            self._backend.close()
        except Exception:
            self._record_failure("close")

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _sender(self) -> Backend:
        backend = self.backend
        name = self.test_metric_name
        if not name:
            return backend

        renamer = self._renamer
        if renamer is None or renamer.name != name or renamer.backend is not backend:
            renamer = self._renamer = TestMetricBackend(name, backend)
        return renamer

    def _default_backend(self) -> Backend:
        if self.settings.api_key is None:
            logger.warning(
                "StatsMix has no API key: stats are dropped. Set STATSMIX_API_KEY "
                "or pass api_key= (STATSMIX_IGNORE=1 silences this)."
            )
            return NoopBackend()

        from .backends.http import HTTPBackend

        return HTTPBackend(self.settings.url, self.settings.api_key)

    def _record_failure(self, kind: str) -> None:
        with self._lock:
            self._failures += 1
            first = kind not in self._failure_kinds
            self._failure_kinds.add(kind)

        if first:
            logger.error("StatsMix backend failed in %s; ignored", kind, exc_info=True)
        else:
            logger.debug("StatsMix backend failed in %s again", kind, exc_info=True)


def _with_request(
    meta: Mapping[str, Any] | None, request: RequestInfo
) -> Mapping[str, Any]:
    """Copy the request's method and route into ``meta`` where it has none."""
    merged = dict(meta) if meta else {}
    extra = (("method", request.method), ("route", request.route))

    for key, value in extra:
        if value is not None and key not in merged and len(merged) < MAX_META_KEYS:
            merged[key] = value
    return merged
