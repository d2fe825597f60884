"""Delivery to a StatsMix server: queued, batched, retried, off the caller's thread."""

from __future__ import annotations

import atexit
import functools
import logging
import os
import ssl
import sys
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType, TracebackType

import httpx

from ..conventions import MAX_BATCH_SIZE
from ..settings import Settings
from ..stat import Stat
from ._queue import StatQueue
from ._worker import DropHook, Options, Worker

__all__ = ["HTTPBackend"]

logger = logging.getLogger(__name__)

_EMPTY_COUNTS: Mapping[str, int] = MappingProxyType(
    {"sent": 0, "dropped": 0, "failed": 0, "retried": 0, "queued": 0}
)

# Serialises starting a worker. Taken with a timeout, never plainly: a child
# forked while another thread of the parent held it inherits it held, and must
# not wait for a thread that does not exist in the child.
_start_lock = threading.Lock()
_live: weakref.WeakSet[HTTPBackend] = weakref.WeakSet()


@dataclass
class _Runtime:
    """What belongs to one process: a queue and the worker that empties it."""

    pid: int
    queue: StatQueue
    worker: Worker


class HTTPBackend:
    """Sends stats to a StatsMix server from a background thread.

    ``send()`` only puts the stat in a bounded queue: it never blocks and never
    does I/O. One daemon thread per process, started on the first ``send()``,
    posts batches to ``/api/v2/batch.json`` over one keep-alive connection
    (one ``track.json`` call per stat against a server without it). Connection
    errors, timeouts, 5xx and 429 are retried with exponential backoff and
    jitter, obeying ``Retry-After``; the defaults keep trying for more than 30
    seconds before the stats count as failed. Every stat ends up counted in
    :attr:`counts` as sent, failed or dropped, and ``on_drop`` hears about
    each one that is lost. Pending stats are flushed at interpreter exit, for
    at most ``shutdown_timeout`` seconds. After ``fork()`` the child starts
    afresh on its first ``send()`` and never sends what the parent queued.

    Args:
        url: the server's base address (``STATSMIX_URL``).
        api_key: the account's key (``STATSMIX_API_KEY``, or the Heroku-style
            ``.../api_key/<KEY>`` in ``STATSMIX_URL``).
        batch_size: most stats per request, at most ``MAX_BATCH_SIZE`` (1000).
        flush_interval: longest a stat waits before its batch is sent.
        max_queue_size: most stats waiting; beyond it new stats are dropped.
        timeout: seconds for each request.
        max_retries: retries of a stat before it counts as failed.
        backoff: the first retry's wait ceiling, doubled per retry.
        max_backoff: the largest wait ceiling between two retries.
        shutdown_timeout: the bound of ``close()`` and of the flush at exit.
        plan_limit_pause: seconds without sending after the plan limit.
        on_drop: called as ``on_drop(stat, reason)`` for every lost stat.

    Raises:
        ValueError: no API key anywhere, or a setting out of range.
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        batch_size: int = 500,
        flush_interval: float = 0.5,
        max_queue_size: int = 10_000,
        timeout: float = 5.0,
        max_retries: int = 10,
        backoff: float = 0.5,
        max_backoff: float = 10.0,
        shutdown_timeout: float = 3.0,
        plan_limit_pause: float = 60.0,
        on_drop: DropHook | None = None,
    ) -> None:
        settings = Settings.resolve(url=url, api_key=api_key)
        if settings.api_key is None:
            raise ValueError(
                "HTTPBackend needs an API key: pass api_key= or set STATSMIX_API_KEY"
            )
        _check_at_least(1, batch_size=batch_size, max_queue_size=max_queue_size)
        if batch_size > MAX_BATCH_SIZE:
            raise ValueError(
                f"batch_size must be at most {MAX_BATCH_SIZE} (the server's bound "
                f"on a batch), not {batch_size!r}"
            )
        _check_at_least(0, max_retries=max_retries, shutdown_timeout=shutdown_timeout)
        _check_positive(
            flush_interval=flush_interval,
            timeout=timeout,
            backoff=backoff,
            max_backoff=max_backoff,
            plan_limit_pause=plan_limit_pause,
        )

        self.options = Options(
            url=settings.url,
            api_key=settings.api_key,
            batch_size=batch_size,
            flush_interval=flush_interval,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            max_backoff=max_backoff,
            plan_limit_pause=plan_limit_pause,
            max_queue_size=max_queue_size,
            ssl_context=_ssl_context(settings.url.startswith("https:")),
        )
        self.shutdown_timeout = shutdown_timeout
        self.on_drop = on_drop
        self._runtime: _Runtime | None = None
        self._closed = False
        _live.add(self)

    @property
    def url(self) -> str:
        """The server's base address."""
        return self.options.url

    @property
    def counts(self) -> Mapping[str, int]:
        """This process's counters: ``sent``, ``dropped``, ``failed``, ``retried``
        and ``queued`` (accepted, not yet delivered or lost)."""
        runtime = self._own_runtime()
        if runtime is None:
            return _EMPTY_COUNTS
        return MappingProxyType(runtime.queue.counts())

    def send(self, stat: Stat) -> None:
        """Queue ``stat`` for delivery; returns at once, whatever happens."""
        runtime = self._runtime
        if runtime is None or runtime.pid != os.getpid():
            runtime = self._start()

        if self._closed:
            runtime.queue.refuse()
            runtime.worker.lose(stat, "closed")
        elif not runtime.queue.put(stat):
            runtime.worker.lose(stat, "queue_full")

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every stat sent before this call is delivered or lost.

        Returns True when all of them, and every stat queued since the last
        flush that completed, were delivered; False when one was lost or
        ``timeout`` seconds passed first.
        """
        runtime = self._own_runtime()
        if runtime is None:
            return True
        if threading.current_thread() is runtime.worker.thread:
            return False

        runtime.queue.wake.set()
        return runtime.queue.wait_settled(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Flush for at most ``timeout`` seconds (``shutdown_timeout``), then stop.

        Whatever is still queued afterwards is counted as dropped. Later
        ``send()`` calls drop their stat with the reason ``"closed"``.
        """
        if timeout is None:
            timeout = self.shutdown_timeout
        deadline = time.monotonic() + timeout

        self._closed = True
        _live.discard(self)
        runtime = self._own_runtime()
        if runtime is None:
            return

        self.flush(timeout)
        runtime.worker.stop(max(0.1, deadline - time.monotonic()))

    def __enter__(self) -> HTTPBackend:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"HTTPBackend({self.options.url!r})"

    def _own_runtime(self) -> _Runtime | None:
        runtime = self._runtime
        if runtime is None or runtime.pid != os.getpid():
            return None
        return runtime

    def _start(self) -> _Runtime:
        """Make this process's queue and worker, once.

        In a forked child nothing of the parent's queue, thread or connection
        is used: the child starts over, and the parent's queued stats stay
        the parent's to send.
        """
        # Limitation: a fork() while the parent's worker is inside a C library
        # call that holds a lock (a DNS lookup, say) can leave the child's
        # worker stuck on it. The child's track() never waits on the worker,
        # so the app is unaffected; its stats stay queued and flush() says so.
        locked = _start_lock.acquire(timeout=1.0)
        try:
            runtime = self._runtime
            pid = os.getpid()
            if runtime is not None and runtime.pid == pid:
                return runtime

            queue = StatQueue(self.options.max_queue_size, self.options.batch_size)
            worker = Worker(queue, self.options, self.on_drop)
            runtime = _Runtime(pid, queue, worker)
            if not self._closed:
                _start_worker(runtime.worker)
                _flush_at_pool_exit()
            self._runtime = runtime
            return runtime
        finally:
            if locked:
                _start_lock.release()


@functools.cache
def _ssl_context(verified: bool) -> ssl.SSLContext:
    """One TLS context for every backend, made here rather than on the worker.

    Loading the certificates takes OpenSSL's locks for a while; a fork() in
    that window would leave them locked in the child, whose worker would then
    hang. A plain-HTTP server needs no certificates at all.
    """
    if verified:
        return httpx.create_ssl_context()
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _start_worker(worker: Worker) -> None:
    try:
        worker.start()
    except RuntimeError:
        # Threads cannot start while the interpreter shuts down.
        logger.warning(
            "StatsMix could not start its delivery thread; stats stay queued"
        )


def _check_at_least(floor: int, **values: float) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or value < floor:
            raise ValueError(f"{name} must be at least {floor}, not {value!r}")


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not value > 0:
            raise ValueError(f"{name} must be more than 0, not {value!r}")


# The exit hooks of the process pools that fork their workers: a worker ends
# with os._exit(), which skips atexit, after running these.
_POOL_UTILS = ("multiprocessing.util", "billiard.util")
_pool_hooked_pid = 0


def _flush_at_pool_exit() -> None:
    """Flush at the end of a pool's worker process too, once per process."""
    global _pool_hooked_pid
    pid = os.getpid()
    if _pool_hooked_pid == pid:
        return
    _pool_hooked_pid = pid

    for name in _POOL_UTILS:
        util = sys.modules.get(name)
        if util is not None:
            # A pool clears these hooks in each worker it starts, so a hook
            # made before the fork does not run twice.
            util.Finalize(None, _flush_at_exit, exitpriority=10)


@atexit.register
def _flush_at_exit() -> None:
    """Flush every open backend of this process, together, within their bounds."""
    backends = [backend for backend in list(_live) if backend._own_runtime()]
    for backend in backends:
        runtime = backend._own_runtime()
        if runtime is not None:
            runtime.queue.wake.set()

    started = time.monotonic()
    for backend in backends:
        left = backend.shutdown_timeout - (time.monotonic() - started)
        backend.close(max(0.0, left))
