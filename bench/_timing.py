"""Interleaved median timing and a plain table, for every benchmark here.

A variant is a callable that performs ``n`` operations. :func:`measure` sizes
one batch per variant, then runs the batches round after round, each round in
a rotated order, so that the machine's noise falls on every variant alike.
The figure per variant is the median over rounds of the mean cost of one
operation within a batch, in CPU time of this process by default.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from importlib import metadata

__all__ = ["Batch", "format_table", "measure", "versions"]

#: Runs ``n`` operations of one variant.
Batch = Callable[[int], object]


def measure(
    variants: Mapping[str, Batch],
    *,
    rounds: int = 31,
    batch_seconds: float = 0.02,
    clock: Callable[[], float] = time.process_time,
) -> dict[str, float]:
    """Median seconds per operation of each variant, interleaved by round.

    The default clock is the CPU time of this process, so that time the
    machine spends on other processes does not count; pass
    ``clock=time.perf_counter`` for variants that wait on I/O.
    """
    sizes = {
        name: _batch_size(run, batch_seconds, clock) for name, run in variants.items()
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)

    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            size = sizes[name]
            gc.collect()  # so that no batch pays for another's garbage
            started = clock()
            variants[name](size)
            samples[name].append((clock() - started) / size)

    return {name: statistics.median(values) for name, values in samples.items()}


def _batch_size(run: Batch, batch_seconds: float, clock: Callable[[], float]) -> int:
    """Operations that take about ``batch_seconds``, after a warm-up run."""
    run(10)
    started = clock()
    run(50)
    per_operation = max(clock() - started, 1e-6) / 50
    return max(20, int(batch_seconds / per_operation))


def format_table(medians: Mapping[str, float], *, baseline: str, reference: str) -> str:
    """A Markdown table of cost, overhead over ``baseline``, and its ratio.

    The ratio is each variant's overhead divided by ``reference``'s overhead.
    """
    base = medians[baseline]
    unit = medians[reference] - base
    lines = [
        f"| variant | median µs/op | overhead µs | overhead ÷ {reference} |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, median in medians.items():
        overhead = median - base
        if name == baseline:
            cells = "–", "–"
        else:
            ratio = f"{overhead / unit:.2f}" if unit > 0 else "n/a"
            cells = f"{overhead * 1e6:.2f}", ratio
        lines.append(f"| {name} | {median * 1e6:.2f} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def versions(*distributions: str) -> str:
    """``name version`` for each installed distribution, comma separated."""
    found = []
    for name in distributions:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)
