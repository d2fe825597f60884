"""The command line every example app shares: ``--port N`` on 127.0.0.1."""

from __future__ import annotations

import argparse

__all__ = ["parse_port"]


def parse_port(description: str, argv: list[str] | None = None) -> int:
    """The ``--port`` to serve on (8000 unless told)."""
    parser = argparse.ArgumentParser(description=f"Serve {description}.")
    parser.add_argument("--port", type=int, default=8000, help="default 8000")
    return int(parser.parse_args(argv).port)
