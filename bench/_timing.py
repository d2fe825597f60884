"""Interleaved median timing and a plain table, for every benchmark here.

A variant is a callable that performs ``n`` operations. :func:`measure` sizes
one batch per variant, then runs the batches round after round, each round in
a rotated order, so that the machine's noise falls on every variant alike.
Each round gives every variant one sample: the mean cost of one operation in
its batch, in CPU time of this process by default.

A variant's cost is the median of its samples. Its overhead over a baseline is
the median, over rounds, of the difference between the two samples of the
same round: a round the machine slowed down slows both, so the difference
holds steadier than the difference of two medians, which matters when the
overhead is a few percent of the cost.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata

__all__ = ["Batch", "Timings", "format_table", "measure", "versions"]

#: Runs ``n`` operations of one variant.
Batch = Callable[[int], object]


@dataclass(frozen=True)
class Timings:
    """Seconds per operation of each variant, one sample per round."""

    samples: Mapping[str, list[float]]

    def median(self, name: str) -> float:
        """The variant's median cost of one operation."""
        return statistics.median(self.samples[name])

    def overhead(self, name: str, baseline: str) -> float:
        """The median, over rounds, of ``name``'s cost minus ``baseline``'s."""
        pairs = zip(self.samples[name], self.samples[baseline], strict=True)
        return statistics.median(mine - base for mine, base in pairs)


def measure(
    variants: Mapping[str, Batch],
    *,
    rounds: int = 31,
    batch_seconds: float = 0.02,
    clock: Callable[[], float] = time.process_time,
) -> Timings:
    """Time every variant, interleaved by round.

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

    return Timings(samples)


def _batch_size(run: Batch, batch_seconds: float, clock: Callable[[], float]) -> int:
    """Operations that take about ``batch_seconds``, after a warm-up run."""
    run(10)
    started = clock()
    run(50)
    per_operation = max(clock() - started, 1e-6) / 50
    return max(20, int(batch_seconds / per_operation))


_SCALES = {"µs": 1e6, "ns": 1e9}


def format_table(
    timings: Timings, *, baseline: str, reference: str, unit: str = "µs"
) -> str:
    """A Markdown table of cost, overhead over ``baseline``, and its ratio.

    The ratio is each variant's overhead divided by ``reference``'s overhead;
    ``unit`` is ``"µs"`` or ``"ns"``.
    """
    scale = _SCALES[unit]
    digits = 2 if unit == "µs" else 0
    per_reference = timings.overhead(reference, baseline)
    lines = [
        f"| variant | median {unit}/op | overhead {unit} | overhead ÷ {reference} |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in timings.samples:
        median = timings.median(name)
        if name == baseline:
            cells = "–", "–"
        else:
            overhead = timings.overhead(name, baseline)
            ratio = f"{overhead / per_reference:.2f}" if per_reference > 0 else "n/a"
            cells = f"{overhead * scale:.{digits}f}", ratio
        lines.append(
            f"| {name} | {median * scale:.{digits}f} | {cells[0]} | {cells[1]} |"
        )
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
