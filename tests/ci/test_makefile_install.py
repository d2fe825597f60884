"""The Makefile reinstalls the distributions when the shared version changes.

Every distribution reads its version from ``statsmix_middleware/_version.py``
when it is installed, so a new version must redo the editable installs.
``make -n`` shows what would run, with the install's other inputs taken as
unchanged (``-o``) and the version file as just edited (``-W``).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAMP = ".venv/.installed"
VERSION_FILE = "statsmix_middleware/_version.py"


def dry_run(*args: str) -> str:
    """What ``make -n`` would do to bring the install stamp up to date."""
    pyprojects = [
        str(path.relative_to(ROOT))
        for path in [ROOT / "pyproject.toml", *ROOT.glob("*/pyproject.toml")]
        + sorted(ROOT.glob("integrations/*/pyproject.toml"))
    ]
    unchanged = [".venv/bin/python", "requirements-dev.txt", *pyprojects]
    old = [arg for path in unchanged for arg in ("-o", path)]
    done = subprocess.run(
        ["make", "-n", *old, *args, STAMP],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_a_new_version_redoes_the_editable_installs() -> None:
    if "pip install" in dry_run():
        pytest.skip("the install is out of date already: run make first")

    assert "pip install" in dry_run("-W", VERSION_FILE)
