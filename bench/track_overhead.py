"""Median cost of one ``Client.track()`` call, beside a bare list append.

Run: ``python -m bench.track_overhead``. The variants are interleaved round by
round so that machine noise falls on all of them alike; the figure per variant
is the median over rounds of the mean cost per call within a round.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from statsmix_middleware import Client, MemoryBackend, NoopBackend

ROUNDS = 31
CALLS_PER_ROUND = 20_000


def bare_append() -> Callable[[], None]:
    sink: list[tuple[str, int]] = []

    def call() -> None:
        sink.append(("Blog Posts", 1))
        if len(sink) > CALLS_PER_ROUND:
            sink.clear()

    return call


def client_track(backend: MemoryBackend | NoopBackend) -> Callable[[], None]:
    client = Client(backend=backend, ignore=False, test_metric_name="")

    def call() -> None:
        client.track("Blog Posts")
        if isinstance(backend, MemoryBackend) and len(backend) > CALLS_PER_ROUND:
            backend.clear()

    return call


def client_track_meta(backend: NoopBackend) -> Callable[[], None]:
    client = Client(backend=backend, ignore=False, test_metric_name="")
    meta = {"method": "GET", "route": "/posts/{id}", "status": "200"}

    def call() -> None:
        client.track("Blog Posts", meta=meta)

    return call


def measure(variants: dict[str, Callable[[], None]]) -> dict[str, float]:
    """Median nanoseconds per call for each variant, interleaved by round."""
    samples: dict[str, list[float]] = {name: [] for name in variants}

    for _ in range(ROUNDS):
        for name, call in variants.items():
            started = time.perf_counter_ns()
            for _ in range(CALLS_PER_ROUND):
                call()
            samples[name].append((time.perf_counter_ns() - started) / CALLS_PER_ROUND)

    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    variants = {
        "bare function appending to a list": bare_append(),
        "Client.track -> NoopBackend": client_track(NoopBackend()),
        "Client.track -> MemoryBackend": client_track(MemoryBackend()),
        "Client.track + 3 meta -> NoopBackend": client_track_meta(NoopBackend()),
    }
    medians = measure(variants)
    floor = medians["bare function appending to a list"]

    print(f"{'variant':40} {'median ns/call':>15} {'x bare':>8}")
    for name, median in medians.items():
        print(f"{name:40} {median:15.0f} {median / floor:8.1f}")


if __name__ == "__main__":
    main()
