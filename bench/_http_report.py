"""The report of ``bench.http_backend``: tables, goals, and what they say."""

from __future__ import annotations

from bench._results import goal_table, machine
from bench._timing import versions

__all__ = [
    "BATCHED",
    "CALLS",
    "DEFAULT_QUEUE",
    "NOOP",
    "ONE_BY_ONE",
    "OURS_TO_SINK",
    "ROOMY_QUEUE",
    "RUNS",
    "Costs",
    "report",
]

CALLS = 20_000
RUNS = 3
DEFAULT_QUEUE = 10_000  # every library's default: past it, calls drop
ROOMY_QUEUE = 50_000  # keeps all 20,000 calls: no drop path is timed
SECTION = "## HTTP backend"
BATCHED = "statsmix HTTPBackend, batched (defaults: up to 500 per request)"
ONE_BY_ONE = "statsmix HTTPBackend, one request per stat"
OURS_TO_SINK = "statsmix HTTPBackend to the same sink (batched, defaults)"
NOOP = "statsmix track() into NoopBackend: validation only, for scale"

#: Per library: median seconds per call, and per run the slowest call and
#: how many calls took 1 ms or more.
Costs = dict[str, tuple[float, list[float], list[int]]]


def report(costs: dict[int, Costs], rates: dict[str, float]) -> str:
    """The "HTTP backend" section of RESULTS.md, in Markdown."""
    lines = [
        SECTION,
        "",
        f"`python -m bench.http_backend`; "
        f"{versions('segment-analytics-python', 'posthog', 'httpx')}; "
        f"{machine()}.",
        "",
        f"Caller's cost: {CALLS:,} calls timed one by one, each library in a",
        f"fresh process of its own, {RUNS} runs in turns, its background sender",
        "aimed at a closed loopback port; what we time is `Client.track()` with",
        "its validation, beside Segment's `track()` and PostHog's `capture()`,",
        "each with one meta/property. With every library's default queue of",
        f"{DEFAULT_QUEUE:,}, half the calls meet a full queue; with a queue of",
        f"{ROOMY_QUEUE:,}, none do.",
        "",
        "| library | queue | median µs per call | slowest call µs, per run "
        "| calls ≥ 1 ms, per run |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for queue, table in costs.items():
        for name, (median, slowest, over) in table.items():
            runs = " / ".join(f"{value * 1e6:,.0f}" for value in slowest)
            counts = " / ".join(str(count) for count in over)
            lines.append(
                f"| {name} | {queue:,} | {median * 1e6:.2f} | {runs} | {counts} |"
            )

    lines += [
        "",
        "Delivery: stats per second from the first call until all were",
        "acknowledged (`flush()`); servers on 127.0.0.1, each in its own process:",
        "`statsmix-server` (SQLite) for us, a sink that only counts the peers'",
        "batches for them.",
        "",
        "| delivery | stats per second |",
        "| --- | ---: |",
    ]
    for name, rate in rates.items():
        lines.append(f"| {name} | {rate:,.0f} |")

    lines += ["", goal_table(_goals(costs, rates))]
    return "\n".join(lines + ["", *_reading(costs, rates)]) + "\n"


def _stall_reading(noop_worst: float) -> str:
    if noop_worst >= 1e-3:
        return (
            "The slowest call is at the mercy of this shared 2-CPU machine: the "
            "NoopBackend, with no thread and no I/O, stalled up to "
            f"{noop_worst * 1e6:,.0f} µs in a run."
        )
    return (
        "Our slowest calls wait for the worker thread to hand back the GIL: "
        "an httpx request is a few hundred microseconds of pure Python "
        "between two socket calls, and the machine's load stretches that."
    )


def _reading(costs: dict[int, Costs], rates: dict[str, float]) -> list[str]:
    """What the figures say, with this run's numbers in it."""
    table = costs[ROOMY_QUEUE]
    noop = table[NOOP][0]
    ours = table["statsmix HTTPBackend track()"][0]
    segment = table["segment-analytics-python track()"][0]
    noop_worst = max(max(t[NOOP][1]) for t in costs.values())
    ours_over = max(sum(t["statsmix HTTPBackend track()"][2]) for t in costs.values())
    peers_over = min(
        sum(t[name][2]) for t in costs.values() for name in t if "statsmix" not in name
    )
    peer = max(
        rate
        for name, rate in rates.items()
        if "sink" in name and "statsmix" not in name
    )
    fewer = "fewer" if ours_over < peers_over else "no fewer"
    return [
        f"Reading it (queue {ROOMY_QUEUE:,}). Our `track()` is the core's "
        f"validation, {noop * 1e6:.1f} µs",
        "(the NoopBackend row), plus `HTTPBackend.send()`: a process-id check,",
        "the stat packed into a tuple the garbage collector ignores, a lock and",
        f"an append, {(ours - noop) * 1e6:.1f} µs, which alone is "
        f"{(ours - noop) / segment:.2f}× Segment's call.",
        f"A tenth of Segment's call is {segment / 10 * 1e6:.1f} µs here, against "
        f"{ours * 1e6:.1f} µs for ours in all.",
        _stall_reading(noop_worst),
        f"Counting calls of 1 ms or more, ours had {ours_over} over three runs, "
        f"{fewer} than",
        f"the steadiest peer ({peers_over}).",
        "Batched delivery to `statsmix-server` is bounded by the server's SQLite",
        "ingest (see Server ingest), not by the backend: to the same no-op sink",
        f"as the peers it delivers {rates[OURS_TO_SINK] / peer:.1f}× the faster "
        "peer; there the caller's",
        "own `track()` and the worker's JSON encoding, sharing one GIL, are the",
        "limit.",
    ]


def _goals(
    costs: dict[int, Costs], rates: dict[str, float]
) -> list[tuple[str, bool, str]]:
    goals = []
    for queue, table in costs.items():
        ours, slowest, _ = table["statsmix HTTPBackend track()"]
        segment = table["segment-analytics-python track()"][0]
        goals.append(
            (
                f"`track()` ≤ a tenth of Segment's (queue {queue:,})",
                ours <= segment / 10,
                f"{ours / segment:.3f}× Segment's",
            )
        )
        goals.append(
            (
                f"slowest of {CALLS:,} calls under 1 ms, every run (queue {queue:,})",
                max(slowest) < 1e-3,
                f"{max(slowest) * 1e6:,.0f} µs",
            )
        )

    batched = rates[BATCHED]
    peer = max(
        rate
        for name, rate in rates.items()
        if "sink" in name and "statsmix" not in name
    )
    goals.append(
        (
            "batched delivery to statsmix-server ≥ 10× the faster peer's to a sink",
            batched >= 10 * peer,
            f"{batched / peer:.1f}×",
        )
    )
    goals.append(
        (
            "batched delivery to the same sink ≥ 10× the faster peer's",
            rates[OURS_TO_SINK] >= 10 * peer,
            f"{rates[OURS_TO_SINK] / peer:.1f}×",
        )
    )
    goals.append(
        (
            "batched delivery ≥ 10× one request per stat",
            batched >= 10 * rates[ONE_BY_ONE],
            f"{batched / rates[ONE_BY_ONE]:.1f}×",
        )
    )
    return goals
