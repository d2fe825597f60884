"""HTTPBackend beside segment-analytics-python and posthog, in one run.

Run: ``python -m bench.http_backend``. Two measures:

1. The caller's cost: every one of 20,000 ``track()`` calls timed on its own,
   each library with its background sender aimed at a closed loopback port.
   The libraries take turns in rounds so that the machine's noise falls on
   all of them; the figures are the median and the slowest call.
2. Delivery: stats per second from the first call until the last stat is
   acknowledged, to a local ``statsmix-server`` for us (batched, and one
   request per stat) and to a local sink that takes the peers' batch posts.
   Servers run in their own processes on 127.0.0.1.

The figures go into the "HTTP backend" section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import gc
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bench._timing import versions
from statsmix_middleware import Client, HTTPBackend
from tests.live_server import LiveServer, free_port

CALLS = 20_000
ROUNDS = 10
DELIVERED = 10_000
DELIVERED_ONE_BY_ONE = 2_000
QUEUE = 50_000  # every library keeps all 20,000 calls: no drop path is timed
RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## HTTP backend"

Track = Callable[[int], None]


def statsmix_track(url: str, api_key: str, **options: int) -> tuple[Track, Client]:
    backend = HTTPBackend(url, api_key, max_queue_size=QUEUE, **options)
    client = Client(backend=backend, ignore=False, test_metric_name="")

    def track(value: int) -> None:
        client.track("Signups", value, meta={"plan": "gold"})

    return track, client


def segment_track(host: str) -> tuple[Track, object]:
    from segment.analytics import Client as SegmentClient

    client = SegmentClient("bench", host=host, max_queue_size=QUEUE)

    def track(value: int) -> None:
        client.track("user-1", "Signups", {"plan": "gold", "value": value})

    return track, client


def posthog_capture(host: str) -> tuple[Track, object]:
    from posthog import Posthog

    client = Posthog("bench", host=host, max_queue_size=QUEUE)

    def track(value: int) -> None:
        client.capture(
            "Signups", distinct_id="user-1", properties={"plan": "gold", "value": value}
        )

    return track, client


def time_calls(libraries: dict[str, Track]) -> dict[str, list[float]]:
    """Seconds of each single call, the libraries taking turns by round."""
    samples: dict[str, list[float]] = {name: [] for name in libraries}
    names = list(libraries)
    per_round = CALLS // ROUNDS
    clock = time.perf_counter

    for name in names:  # warm-up: start each background thread before timing
        libraries[name](0)
    for round_index in range(ROUNDS):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            track, taken = libraries[name], samples[name]
            for value in range(per_round):
                started = clock()
                track(value)
                taken.append(clock() - started)
    return samples


def caller_cost() -> dict[str, tuple[float, float]]:
    closed = f"http://127.0.0.1:{free_port()}"
    ours, ours_client = statsmix_track(closed, "bench")
    segment, segment_client = segment_track(closed)
    posthog, posthog_client = posthog_capture(closed)

    gc.collect()
    samples = time_calls(
        {
            "statsmix HTTPBackend track()": ours,
            "segment-analytics-python track()": segment,
            "posthog capture()": posthog,
        }
    )

    ours_client.backend.close(timeout=0.1)
    for peer in (segment_client, posthog_client):
        _stop_peer(peer)
    return {
        name: (statistics.median(values), max(values))
        for name, values in samples.items()
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
            ("statsmix HTTPBackend, batched (100 per request)", DELIVERED, {}),
            ("statsmix HTTPBackend, one request per stat", DELIVERED_ONE_BY_ONE, {"batch_size": 1}),
        ):
            track, client = statsmix_track(server.url, key, **options)
            rates[name] = deliver(track, count, lambda: client.flush(120))
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
            ("segment-analytics-python to a local sink", segment_track),
            ("posthog to a local sink", posthog_capture),
        ):
            before = _sink_events(host)
            track, client = make(host)
            rates[name] = deliver(track, DELIVERED, client.flush)  # type: ignore[attr-defined]
            _stop_peer(client)
            received = _sink_events(host) - before
            if received != DELIVERED:
                raise RuntimeError(f"{name}: {received} of {DELIVERED} delivered")
        return rates
    finally:
        sink.terminate()
        sink.wait(10)


def _stop_peer(client: object) -> None:
    shutdown = getattr(client, "shutdown", None) or getattr(client, "join", None)
    if shutdown is not None:
        try:
            shutdown()
        except Exception:  # a peer that cannot reach its host may complain
            pass


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


def report(costs: dict[str, tuple[float, float]], rates: dict[str, float]) -> str:
    ours_cost, ours_slowest = costs["statsmix HTTPBackend track()"]
    segment_cost = costs["segment-analytics-python track()"][0]
    batched = rates["statsmix HTTPBackend, batched (100 per request)"]
    one_by_one = rates["statsmix HTTPBackend, one request per stat"]
    best_peer = max(
        rates["segment-analytics-python to a local sink"],
        rates["posthog to a local sink"],
    )

    lines = [
        SECTION,
        "",
        f"`python -m bench.http_backend`; {versions('segment-analytics-python', 'posthog', 'httpx')};",
        f"Python {sys.version.split()[0]}, {_cpus()} CPUs.",
        "",
        f"Caller's cost: {CALLS:,} calls each, timed one by one, the libraries",
        f"taking turns in {ROUNDS} rounds; background senders aimed at a closed",
        f"loopback port; queues of {QUEUE:,} so no call takes the drop path.",
        "",
        "| library | median µs per call | slowest call µs |",
        "| --- | ---: | ---: |",
    ]
    for name, (median, slowest) in costs.items():
        lines.append(f"| {name} | {median * 1e6:.2f} | {slowest * 1e6:.0f} |")

    lines += [
        "",
        "Delivery: stats per second from the first call until all were",
        "acknowledged (`flush()`), servers on 127.0.0.1 in their own processes:",
        "`statsmix-server` (SQLite) for us, a sink that counts the peers' batches.",
        "",
        "| delivery | stats per second |",
        "| --- | ---: |",
    ]
    for name, rate in rates.items():
        lines.append(f"| {name} | {rate:,.0f} |")

    goals = [
        (
            "`track()` at most a tenth of Segment's cost",
            ours_cost <= segment_cost / 10,
            f"{ours_cost / segment_cost:.3f}× Segment's",
        ),
        (
            f"slowest of {CALLS:,} calls under 1 ms",
            ours_slowest < 1e-3,
            f"{ours_slowest * 1e6:.0f} µs",
        ),
        (
            "batched delivery ≥ 10× the faster peer",
            batched >= 10 * best_peer,
            f"{batched / best_peer:.1f}×",
        ),
        (
            "batched delivery ≥ 10× one request per stat",
            batched >= 10 * one_by_one,
            f"{batched / one_by_one:.1f}×",
        ),
    ]
    lines += ["", "| goal | holds | measured |", "| --- | --- | ---: |"]
    for goal, holds, measured in goals:
        lines.append(f"| {goal} | {'yes' if holds else '**no**'} | {measured} |")
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    """Replace this benchmark's section of RESULTS.md, leaving the others."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        rest = "" if end == -1 else text[end + 1 :]
        text = text[:start] + section + ("\n" + rest if rest else "")
    RESULTS.write_text(text)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def main() -> None:
    # The peers log every failed upload; keep that off the terminal, not off
    # the code path: records are still made and handled.
    logging.getLogger().addHandler(logging.NullHandler())

    costs = caller_cost()
    with tempfile.TemporaryDirectory() as workdir:
        rates = statsmix_rates(Path(workdir))
    rates.update(peer_rates())

    section = report(costs, rates)
    print(section)
    write_section(section)


if __name__ == "__main__":
    main()
