"""``make test`` from a fresh clone, and CI running it and nothing else.

``make -n`` with ``VENV`` pointed at a folder that does not exist shows every
step a fresh clone goes through, without running any of them.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DISTS = [
    ".",
    "server",
    *sorted(
        str(path.parent.relative_to(ROOT))
        for path in ROOT.glob("integrations/*/pyproject.toml")
    ),
]


def fresh_clone_steps(venv: Path) -> list[str]:
    """The commands ``make test`` would run where ``venv`` is missing."""
    done = subprocess.run(
        ["make", "-n", f"VENV={venv}", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.splitlines()


def test_make_test_builds_the_venv_installs_everything_then_checks(
    tmp_path: Path,
) -> None:
    venv = tmp_path / ".venv"
    steps = fresh_clone_steps(venv)
    bin_ = f"{venv}/bin"

    def index(start: str) -> int:
        found = [n for n, line in enumerate(steps) if line.startswith(start)]
        assert found, f"no step starts with {start!r}:\n" + "\n".join(steps)
        return found[0]

    create = index(f"python3 -m venv {venv}")
    install = index(f"{bin_}/pip install -q -r requirements-dev.txt")
    lint = index(f"{bin_}/ruff check .")
    formatting = index(f"{bin_}/ruff format --check .")
    typecheck = index(f"{bin_}/mypy ")
    tests = index(f".ci/pytest {bin_}/python")
    assert create < install < lint < formatting < typecheck < tests

    installed = shlex.split(steps[install])
    editable = {installed[n + 1] for n, arg in enumerate(installed) if arg == "-e"}
    assert editable == set(DISTS)
    checked = shlex.split(steps[typecheck])[1:]
    assert {"statsmix_middleware", "server/statsmix_server"} <= set(checked)
    assert len(checked) == len(DISTS) + 1  # every package, and examples/


def test_dev_tools_are_pinned_in_one_file() -> None:
    lines = (ROOT / "requirements-dev.txt").read_text().splitlines()
    requirements = [line for line in lines if line and not line.startswith("#")]

    assert {"ruff", "mypy", "pytest"} <= {r.split("==")[0] for r in requirements}
    assert all("==" in requirement for requirement in requirements), requirements


def test_ci_runs_make_test_and_nothing_else() -> None:
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = [line for line in script if line and not line.startswith("#")]

    assert commands[-1] == "make test"
    assert all(not c.startswith(("make", "pytest", "ruff")) for c in commands[:-1])


def test_pytest_is_strict(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.getini("filterwarnings") == ["error"]
    assert "--strict-markers" in pytestconfig.getini("addopts")
    assert pytestconfig.option.strict_markers is True
