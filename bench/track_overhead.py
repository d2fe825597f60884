"""Median nanoseconds of one ``Client.track()`` call, beside a bare list append.

Run: ``python -m bench.track_overhead``. The variants are interleaved round by
round (``bench/_timing.py``), so that machine noise falls on all of them
alike. Every variant gets the same name and no meta unless it says so.
"""

from __future__ import annotations

from bench._results import machine, write_section
from bench._timing import Batch, format_table, measure, versions
from statsmix_middleware import Client, MemoryBackend, NoopBackend

ROUNDS = 31
FLOOR = "bare function appending to a list"
NOOP = "Client.track -> NoopBackend"
META = {"method": "GET", "route": "/posts/{id}", "status": "200"}


def bare_append() -> Batch:
    kept: list[tuple[str, int]] = []

    def append(name: str, value: int) -> None:
        kept.append((name, value))

    def run(n: int) -> None:
        kept.clear()
        for _ in range(n):
            append("Blog Posts", 1)

    return run


def client_track(backend: MemoryBackend | NoopBackend, meta: bool = False) -> Batch:
    client = Client(backend=backend, ignore=False, test_metric_name="")
    track = client.track

    def run(n: int) -> None:
        if isinstance(backend, MemoryBackend):
            backend.clear()
        if meta:
            for _ in range(n):
                track("Blog Posts", meta=META)
        else:
            for _ in range(n):
                track("Blog Posts")

    return run


def main() -> None:
    variants = {
        FLOOR: bare_append(),
        NOOP: client_track(NoopBackend()),
        "Client.track -> MemoryBackend": client_track(MemoryBackend()),
        "Client.track + 3 meta -> NoopBackend": client_track(NoopBackend(), True),
    }
    timings = measure(variants, rounds=ROUNDS)

    table = format_table(timings, baseline=FLOOR, reference=NOOP, unit="ns")
    print(table)
    write_section(
        "\n".join(
            [
                "## Client.track",
                "",
                f"`python -m bench.track_overhead`; {versions('statsmix-middleware')}.",
                f"Median of {ROUNDS} interleaved rounds, in CPU time of the process;",
                "an overhead is the median of the per-round differences with the",
                "bare row. The stat is `Blog Posts`, value 1, validated as every",
                "`track()` is; the meta row adds three string keys.",
                "",
                table,
                "",
                f"{machine()}.",
            ]
        )
    )


if __name__ == "__main__":
    main()
