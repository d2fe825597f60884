"""HTTPBackend beside segment-analytics-python and posthog, in one run.

Run: ``python -m bench.http_backend``. Two measures:

1. The caller's cost: every one of 20,000 ``track()`` calls timed on its own,
   each library in a fresh process of its own with its background sender
   aimed at a closed loopback port. The libraries take turns, run after run,
   so that the machine's noise falls on all of them; the figures are the
   median, the slowest call, and how many calls took a millisecond or more.
2. Delivery: stats per second from the first call until the last stat is
   acknowledged, to a local ``statsmix-server`` for us (batched, and one
   request per stat), and to a local sink that only counts batches, for the
   peers and for us. Servers run in their own processes on 127.0.0.1.

The figures go into the "HTTP backend" section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._http_report import (
    BATCHED,
    CALLS,
    DEFAULT_QUEUE,
    NOOP,
    ONE_BY_ONE,
    OURS_TO_SINK,
    ROOMY_QUEUE,
    RUNS,
    Costs,
    report,
)
from bench._results import write_section
from statsmix_middleware import Client, HTTPBackend, NoopBackend
from tests.live_server import LiveServer, free_port

DELIVERED = 10_000
DELIVERED_ONE_BY_ONE = 2_000
Track = Callable[[int], None]


def statsmix_track(url: str, api_key: str, **options: Any) -> tuple[Track, Client]:
    backend = HTTPBackend(url, api_key, **options)
    client = Client(backend=backend, ignore=False, test_metric_name="")

    def track(value: int) -> None:
        client.track("Signups", value, meta={"plan": "gold"})

    return track, client


def segment_track(host: str, **options: Any) -> tuple[Track, Any]:
    from segment.analytics import Client as SegmentClient  # type: ignore[import-untyped]

    client = SegmentClient("bench", host=host, **options)

    def track(value: int) -> None:
        client.track("user-1", "Signups", {"plan": "gold", "value": value})

    return track, client


def posthog_capture(host: str, **options: Any) -> tuple[Track, Any]:
    from posthog import Posthog

    client = Posthog("bench", host=host, **options)

    def track(value: int) -> None:
        client.capture(
            "Signups", distinct_id="user-1", properties={"plan": "gold", "value": value}
        )

    return track, client


LIBRARIES = {
    NOOP: "noop",
    "statsmix HTTPBackend track()": "statsmix",
    "segment-analytics-python track()": "segment",
    "posthog capture()": "posthog",
}


def time_calls(library: str, queue: int, closed: str) -> dict[str, float]:
    """In this process: time each of ``CALLS`` calls of one library."""
    logging.getLogger().addHandler(logging.NullHandler())
    track: Track
    if library == "noop":
        client = Client(backend=NoopBackend(), ignore=False, test_metric_name="")

        def track(value: int) -> None:
            client.track("Signups", value, meta={"plan": "gold"})

    elif library == "statsmix":
        track, _ = statsmix_track(closed, "bench", max_queue_size=queue)
    elif library == "segment":
        track, _ = segment_track(closed, max_queue_size=queue)
    else:
        track, _ = posthog_capture(closed, max_queue_size=queue)

    track(0)  # start the background thread before timing
    time.sleep(0.2)
    gc.collect()  # the interpreter's first full collection, not the library's

    clock = time.perf_counter
    taken = []
    for value in range(CALLS):
        started = clock()
        track(value)
        taken.append(clock() - started)
    return {
        "median": statistics.median(taken),
        "slowest": max(taken),
        "over_1ms": sum(1 for seconds in taken if seconds >= 1e-3),
    }


def caller_cost(queue: int) -> Costs:
    """Each library in its own fresh process, in turns, ``RUNS`` times.

    A process of its own keeps one library's threads and garbage from
    stalling another's calls.
    """
    closed = f"http://127.0.0.1:{free_port()}"
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in LIBRARIES}
    names = list(LIBRARIES)
    for run in range(RUNS):
        for name in names[run:] + names[:run]:
            command = [sys.executable, "-m", "bench.http_backend"]
            command += ["caller", LIBRARIES[name], str(queue), closed]
            output = subprocess.run(
                command, capture_output=True, text=True, timeout=300, check=True
            ).stdout
            runs[name].append(json.loads(output.splitlines()[-1]))
    return {
        name: (
            statistics.median(r["median"] for r in results),
            [r["slowest"] for r in results],
            [int(r["over_1ms"]) for r in results],
        )
        for name, results in runs.items()
    }


def deliver(track: Track, count: int, flush: Callable[[], object]) -> float:
    """Stats per second from the first call until ``flush`` returns."""
    started = time.perf_counter()
    for value in range(count):
        track(value)
    flush()
    return count / (time.perf_counter() - started)


def statsmix_rates(workdir: Path) -> dict[str, float]:
    server = LiveServer(workdir / "statsmix.db")
    server.start()
    try:
        key = server.create_account("Bench")
        rates = {}
        for name, count, options in (
            (BATCHED, DELIVERED, {}),
            (ONE_BY_ONE, DELIVERED_ONE_BY_ONE, {"batch_size": 1}),
        ):
            track, client = statsmix_track(server.url, key, **options)
            rates[name] = deliver(track, count, functools.partial(client.flush, 120))
            sent = client.backend.counts["sent"]  # type: ignore[attr-defined]
            client.close()
            if sent != count:
                raise RuntimeError(f"{name}: {sent} of {count} delivered")
        return rates
    finally:
        server.stop()


def peer_rates() -> dict[str, float]:
    port = free_port()
    sink = subprocess.Popen([sys.executable, "-m", "bench._sink", str(port)])
    host = f"http://127.0.0.1:{port}"
    try:
        _wait_for(host)
        rates = {}
        for name, make in (
            (OURS_TO_SINK, functools.partial(statsmix_track, api_key="bench")),
            ("segment-analytics-python to a local sink", segment_track),
            ("posthog to a local sink", posthog_capture),
        ):
            before = _sink_events(host)
            track, client = make(host)
            rates[name] = deliver(track, DELIVERED, client.flush)
            _stop(client)
            received = _sink_events(host) - before
            if received != DELIVERED:
                raise RuntimeError(f"{name}: {received} of {DELIVERED} delivered")
        return rates
    finally:
        sink.terminate()
        sink.wait(10)


def _stop(client: Any) -> None:
    """Flush and stop a client whose host answers."""
    stop = getattr(client, "shutdown", None) or client.close
    stop()


def _sink_events(host: str) -> int:
    with urllib.request.urlopen(f"{host}/count", timeout=5) as answer:
        return int(json.load(answer)["events"])


def _wait_for(host: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            _sink_events(host)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def main(argv: list[str]) -> None:
    if argv[:1] == ["caller"]:
        library, queue, closed = argv[1], int(argv[2]), argv[3]
        print(json.dumps(time_calls(library, queue, closed)))
        return

    costs = {queue: caller_cost(queue) for queue in (DEFAULT_QUEUE, ROOMY_QUEUE)}
    logging.getLogger().addHandler(logging.NullHandler())
    with tempfile.TemporaryDirectory() as workdir:
        rates = statsmix_rates(Path(workdir))
    rates.update(peer_rates())

    section = report(costs, rates)
    print(section)
    write_section(section)


if __name__ == "__main__":
    main(sys.argv[1:])
    # The peers' exit hooks join consumers still backing off from a closed
    # port, for minutes; everything is measured and written by now.
    sys.stdout.flush()
    os._exit(0)
