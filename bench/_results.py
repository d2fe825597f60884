"""Writing a benchmark's section of ``bench/RESULTS.md``, and its goals.

Every benchmark here replaces its own section (from its ``## `` title to the
next one) and leaves the others as they were, so ``make bench`` rewrites the
whole file and one benchmark run alone rewrites only its part.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

__all__ = ["RESULTS", "goal_table", "machine", "write_section"]

RESULTS = Path(__file__).with_name("RESULTS.md")

_HEADER = "# Benchmark results\n"


def machine() -> str:
    """The Python, the CPUs and their load while the benchmark ran."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"Python {sys.version.split()[0]}, {cpus} CPUs, "
        f"load average {load:.1f} at the end of the run"
    )


def goal_table(goals: Iterable[tuple[str, bool, str]]) -> str:
    """A Markdown table of ``(goal, holds, measured)`` rows."""
    lines = ["| goal | holds | measured |", "| --- | --- | ---: |"]
    for goal, holds, measured in goals:
        lines.append(f"| {goal} | {'yes' if holds else '**no**'} | {measured} |")
    return "\n".join(lines)


def write_section(section: str) -> None:
    """Replace the section that starts with ``section``'s first line."""
    title = section.split("\n", 1)[0]
    text = RESULTS.read_text() if RESULTS.exists() else _HEADER
    start = text.find(title + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    else:
        end = text.find("\n## ", start + len(title))
        rest = "" if end == -1 else text[end + 1 :]
        text = (
            text[:start] + section.rstrip("\n") + "\n" + ("\n" + rest if rest else "")
        )
    RESULTS.write_text(text)
