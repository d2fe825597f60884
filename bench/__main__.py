"""Run every benchmark of this folder in turn: ``python -m bench [name ...]``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(names: list[str]) -> int:
    """Run the named benchmarks, or all of them, each in its own process."""
    if not names:
        names = sorted(
            path.stem for path in HERE.glob("*.py") if not path.stem.startswith("_")
        )

    failed = []
    for name in names:
        print(f"\n=== bench.{name} ===", flush=True)
        result = subprocess.run([sys.executable, "-m", f"bench.{name}"])
        if result.returncode:
            failed.append(name)

    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
