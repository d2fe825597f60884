"""How many stats per second ``statsmix-server`` accepts, by way of sending.

Run: ``python -m bench.server_ingest``. One server runs in its own process on
a free loopback port with a fresh SQLite file. Each way of sending stores a
fixed number of stats per run, through one keep-alive connection unless the
name says otherwise; the ways take turns, round after round, so the machine's
noise falls on all of them. The figure is the median over rounds of stats
accepted per second, counting only answers of 200 whose items were all
stored.

The figures go into the "Server ingest" section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench._timing import versions
from tests.live_server import LiveServer

ROUNDS = 5
TRACK_STATS = 1_000
BATCH_STATS = 10_000
THREADS = 8
RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## Server ingest"

#: Stores ``n`` stats and returns how many the server accepted.
Send = Callable[[int], int]


def _stat(index: int) -> dict[str, object]:
    return {"name": "Signups", "value": index % 100, "meta": {"plan": "gold"}}


def track_calls(client: httpx.Client) -> Send:
    def send(count: int) -> int:
        accepted = 0
        for index in range(count):
            response = client.post(
                "/track.json",
                data={
                    "name": "Signups",
                    "value": index % 100,
                    "meta": '{"plan":"gold"}',
                },
            )
            accepted += response.status_code == 200
        return accepted

    return send


def track_calls_threaded(make_client: Callable[[], httpx.Client]) -> Send:
    clients = [make_client() for _ in range(THREADS)]
    pool = ThreadPoolExecutor(THREADS)

    def send(count: int) -> int:
        share = count // THREADS
        runs = [pool.submit(track_calls(c), share) for c in clients]
        return sum(run.result() for run in runs)

    return send


def batch_calls(client: httpx.Client, size: int) -> Send:
    def send(count: int) -> int:
        accepted = 0
        for start in range(0, count, size):
            items = [_stat(i) for i in range(start, min(start + size, count))]
            response = client.post("/batch.json", json={"stats": items})
            if response.status_code == 200:
                results = response.json()["results"]
                accepted += sum(r["status"] == 200 for r in results)
        return accepted

    return send


def measure(ways: dict[str, tuple[Send, int]]) -> dict[str, float]:
    """Median stats per second of each way, interleaved by round."""
    for send, _ in ways.values():
        send(min(200, _))  # warm-up: connections, metric creation, caches

    samples: dict[str, list[float]] = {name: [] for name in ways}
    names = list(ways)
    for round_index in range(ROUNDS):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            send, count = ways[name]
            started = time.perf_counter()
            accepted = send(count)
            elapsed = time.perf_counter() - started
            if accepted != count:
                raise RuntimeError(f"{name}: {accepted} of {count} stats accepted")
            samples[name].append(count / elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}


def format_table(rates: dict[str, float], baseline: str) -> str:
    lines = [
        f"| way of sending | stats per request | median stats/s | ÷ {baseline} |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, rate in rates.items():
        per_request = name.rsplit(" ", 1)[-1] if "batch" in name else "1"
        lines.append(
            f"| {name} | {per_request} | {rate:,.0f} | {rate / rates[baseline]:.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    with tempfile.TemporaryDirectory() as directory:
        server = LiveServer(Path(directory) / "ingest.db")
        server.start()
        try:
            key = server.create_account("Bench")

            def client() -> httpx.Client:
                return httpx.Client(
                    base_url=f"{server.url}/api/v2",
                    headers={"X-StatsMix-Token": key},
                    timeout=60,
                )

            ways: dict[str, tuple[Send, int]] = {
                "track": (track_calls(client()), TRACK_STATS),
                f"track, {THREADS} connections": (
                    track_calls_threaded(client),
                    TRACK_STATS,
                ),
                "batch.json 100": (batch_calls(client(), 100), BATCH_STATS),
                "batch.json 1000": (batch_calls(client(), 1000), BATCH_STATS),
            }
            rates = measure(ways)
        finally:
            server.stop()

    table = format_table(rates, baseline="track")
    print(table)
    write_section(
        "\n".join(
            [
                SECTION,
                "",
                f"`python -m bench.server_ingest`; "
                f"{versions('statsmix-server', 'starlette', 'uvicorn')}; "
                f"Python {sys.version.split()[0]}, SQLite "
                f"{_sqlite_version()}, {os.cpu_count()} CPUs.",
                f"Median of {ROUNDS} interleaved rounds; {TRACK_STATS:,} stats per "
                f"round by `track`, {BATCH_STATS:,} by `batch.json`; one local "
                "server process, WAL, `synchronous=NORMAL`.",
                "",
                table,
                "",
            ]
        )
    )
    return 0


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


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


if __name__ == "__main__":
    sys.exit(main())
