"""How many stats per second ``statsmix-server`` accepts, by way of sending.

Run: ``python -m bench.server_ingest``. One server runs in its own process on
a free loopback port with a fresh SQLite file. Each way of sending stores a
fixed number of stats per run, through one keep-alive connection unless the
name says otherwise; the ways take turns, round after round, so the machine's
noise falls on all of them. The figure is the median over rounds of stats
accepted per second, counting only answers of 200 whose items were all
stored.

For scale, the same client also posts to a bare Starlette endpoint on the
same uvicorn that reads the body and answers a fixed stat without storing
anything: the ceiling of one request per stat on this machine.

The figures go into the "Server ingest" section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench._results import machine, write_section
from bench._timing import versions
from tests.live_server import LiveServer, free_port

ROUNDS = 5
TRACK_STATS = 1_000
BATCH_STATS = 10_000
THREADS = 8
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


async def bare_app(scope: Any, receive: Any, send: Any) -> None:
    """A stand-in for ``track`` that stores nothing (run by uvicorn)."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    body = b'{"stat":{"id":1,"value":"1.0"}}'
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


@contextmanager
def bare_server() -> Iterator[str]:
    """uvicorn serving :func:`bare_app` on a free loopback port."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.server_ingest:bare_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=Path(__file__).parent.parent,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


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
    with tempfile.TemporaryDirectory() as directory, bare_server() as bare_url:
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

            bare = httpx.Client(base_url=f"{bare_url}/api/v2", timeout=60)
            ways: dict[str, tuple[Send, int]] = {
                "bare uvicorn, nothing stored": (track_calls(bare), TRACK_STATS),
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
                f"SQLite {_sqlite_version()}; {machine()}.",
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


if __name__ == "__main__":
    sys.exit(main())
