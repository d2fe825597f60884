"""The thread that delivers queued stats: batching, retrying, counting losses."""

from __future__ import annotations

import encodings.idna  # noqa: F401  (see below)
import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpcore  # noqa: F401  (see below)
import httpx

from .._version import __version__
from ..stat import Stat
from ._outcomes import Batch, Refusals
from ._packed import Packed, unpack
from ._queue import StatQueue
from ._retry import backoff_delay, is_retryable
from ._wire import Answer, post_batch, post_track

__all__ = ["DropHook", "Options", "Worker"]

# httpx imports httpcore when its first client is made, and the socket module
# imports the IDNA codec for the first host name it looks up, both on the
# worker thread. They are imported above instead, on the thread that imports
# this module. A fork() while the worker sat half-way through an import would
# leave the child a half-initialised module for good; and an import holds the
# GIL throughout, so an app thread calling track() meanwhile would wait the
# milliseconds it takes. The TLS context is made by the backend on its
# caller's thread for the same reasons (see http.py).

# Every part of the backend logs as the module users configure: .http.
logger = logging.getLogger("statsmix_middleware.backends.http")

DropHook = Callable[[Stat, str], None]

# How often, at most, the queue-full warning is repeated while it lasts.
_FULL_WARNING_EVERY = 10.0

# Seconds of one track call per stat after batch.json answered 404.
_BATCH_ROUTE_RECHECK = 300


@dataclass(frozen=True)
class Options:
    """Everything the worker needs to know, fixed when the backend is made."""

    url: str
    api_key: str
    batch_size: int
    flush_interval: float
    timeout: float
    max_retries: int
    backoff: float
    max_backoff: float
    plan_limit_pause: float
    max_queue_size: int
    ssl_context: ssl.SSLContext


class Worker:
    """One daemon thread per process that empties a :class:`StatQueue`."""

    def __init__(
        self, queue: StatQueue, options: Options, on_drop: DropHook | None
    ) -> None:
        self.queue = queue
        self.options = options
        self.on_drop = on_drop
        self.stopping = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name="statsmix-http-backend", daemon=True
        )

        self._single_until = 0.0  # one track call per stat until then
        self._refusals = Refusals(options.plan_limit_pause)
        self._in_outage = False
        self._full_warned_at = -_FULL_WARNING_EVERY
        self._hook_failed = False
        self._dropped_in_retry = 0

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float | None) -> None:
        """Give up on what is left, then wait at most ``timeout`` for the thread."""
        self.stopping.set()
        self.queue.wake.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def lose(self, stat: Stat, reason: str) -> None:
        """Tell ``on_drop`` about a stat that will never be delivered."""
        hook = self.on_drop
        if hook is None:
            return
        try:
            hook(stat, reason)
        except Exception:
            level = logging.DEBUG if self._hook_failed else logging.ERROR
            self._hook_failed = True
            logger.log(level, "StatsMix on_drop hook raised; ignored", exc_info=True)

    def _run(self) -> None:
        try:
            self._serve()
        except Exception:
            logger.exception("StatsMix delivery thread stopped by an error")

    def _serve(self) -> None:
        options = self.options
        client = httpx.Client(
            base_url=f"{options.url}/api/v2/",
            headers={
                "X-StatsMix-Token": options.api_key,
                "User-Agent": f"statsmix-middleware/{__version__}",
            },
            timeout=options.timeout,
            verify=options.ssl_context,
        )
        try:
            while not self.stopping.is_set():
                self.queue.wake.wait(options.flush_interval)
                self.queue.wake.clear()
                self._drain(client)
        finally:
            abandoned = self._abandon_queue()
            client.close()
            self._say_lost_at_shutdown(abandoned)

    def _drain(self, client: httpx.Client) -> None:
        while not self.stopping.is_set():
            self._warn_if_full()
            first, stats = self.queue.take(self.options.batch_size)
            if not stats:
                return

            batch = Batch(first, stats)
            try:
                self._deliver(client, batch)
            except Exception:
                logger.exception("StatsMix delivery failed unexpectedly")
                batch.fail(batch.undecided(), "error")
            self._settle(batch)

    def _deliver(self, client: httpx.Client, batch: Batch) -> None:
        pending = list(range(len(batch.stats)))
        attempt = 0

        while pending:
            if self._refusals.paused():
                batch.drop(pending, "plan_limit")
                return

            answer = self._post(client, [batch.stats[i] for i in pending])
            retry = self._sort_answer(batch, pending, answer)
            if not retry:
                self._recovered(attempt)
                return

            reason = answer.messages[pending.index(retry[0])]
            pending = retry
            if attempt >= self.options.max_retries:
                logger.warning(
                    "StatsMix gave up on %d stats after %d retries: %s",
                    len(pending),
                    attempt,
                    reason,
                )
                batch.fail(pending, "retries_exhausted")
                return

            # Limitation: a batch the server stored but whose answer was lost
            # (a crash between commit and reply) is sent again and stored
            # twice; the protocol has no idempotency key to prevent that.
            delay = self._retry_delay(attempt, answer, reason)
            self.queue.retried += len(pending)
            attempt += 1
            if self.stopping.wait(delay):
                batch.drop(pending, "shutdown")
                self._dropped_in_retry += len(pending)
                return

    def _post(self, client: httpx.Client, stats: list[Packed]) -> Answer:
        if time.monotonic() >= self._single_until:
            answer = post_batch(client, stats)
            if not answer.no_batch_route:
                return answer
            # A proxy may answer 404 for a while during a deploy: ask again
            # later rather than send one request per stat for good.
            self._single_until = time.monotonic() + _BATCH_ROUTE_RECHECK
            logger.info(
                "The StatsMix server at %s has no batch.json; sending one "
                "track call per stat for the next %d s",
                self.options.url,
                _BATCH_ROUTE_RECHECK,
            )

        combined = Answer()
        for stat in stats:
            if combined.statuses and combined.statuses[-1] == 0:
                # No answer for the last one: do not wait out a timeout per stat.
                answer = Answer.whole(1, 0, combined.messages[-1])
            else:
                answer = post_track(client, stat)
            combined.statuses += answer.statuses
            combined.messages += answer.messages
            if answer.retry_after is not None:
                combined.retry_after = max(
                    combined.retry_after or 0, answer.retry_after
                )
        return combined

    def _sort_answer(
        self, batch: Batch, pending: list[int], answer: Answer
    ) -> list[int]:
        """Count what the server took or refused; return what to try again."""
        retry = []
        for index, status, message in zip(
            pending, answer.statuses, answer.messages, strict=True
        ):
            if 200 <= status < 300:
                batch.sent.add(index)
            elif is_retryable(status):
                retry.append(index)
            else:
                reason = self._refusals.reason(batch.stats[index][0], status, message)
                batch.fail([index], reason)
        return retry

    def _retry_delay(self, attempt: int, answer: Answer, reason: str) -> float:
        options = self.options
        delay = backoff_delay(
            attempt, options.backoff, options.max_backoff, answer.retry_after
        )
        if not self._in_outage:
            self._in_outage = True
            logger.warning(
                "StatsMix server at %s did not take stats (%s); retrying for "
                "up to %d times",
                options.url,
                reason,
                options.max_retries,
            )
        else:
            logger.debug("StatsMix retry %d in %.2fs: %s", attempt + 1, delay, reason)
        return delay

    def _recovered(self, attempt: int) -> None:
        if self._in_outage:
            self._in_outage = False
            logger.info("StatsMix server takes stats again (after %d retries)", attempt)

    def _settle(self, batch: Batch) -> None:
        first = batch.first
        self.queue.settle(
            len(batch.stats),
            sent=len(batch.sent),
            failed=[first + i for i in batch.lost if i not in batch.unsent],
            dropped=[first + i for i in batch.unsent],
        )
        if self.on_drop is None:
            return
        for index, reason in sorted(batch.lost.items()):
            self.lose(unpack(batch.stats[index]), reason)

    def _abandon_queue(self) -> int:
        """Settle everything still queued as dropped; return how many there were."""
        abandoned = 0
        while True:
            first, stats = self.queue.take(self.options.batch_size)
            if not stats:
                return abandoned
            batch = Batch(first, stats)
            batch.drop(list(range(len(stats))), "shutdown")
            self._settle(batch)
            abandoned += len(stats)

    def _say_lost_at_shutdown(self, abandoned: int) -> None:
        """One warning for the stats a stopping worker could not deliver."""
        lost = abandoned + self._dropped_in_retry
        if lost:
            logger.warning(
                "StatsMix stopped with %d stats undelivered (dropped as "
                "'shutdown'; the server at %s did not take them in time)",
                lost,
                self.options.url,
            )

    def _warn_if_full(self) -> None:
        now = time.monotonic()
        if now - self._full_warned_at < _FULL_WARNING_EVERY:
            return
        dropped = self.queue.take_full_drops()
        if dropped:
            self._full_warned_at = now
            logger.warning(
                "StatsMix queue is full (max_queue_size=%d): %d stats dropped",
                self.options.max_queue_size,
                dropped,
            )
