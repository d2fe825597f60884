"""``make pytest``: a run that collects no test passes and says so; a failure fails.

The Makefile's recipe is run for real, with its install and browser steps
taken as done (``make -o``), on a throwaway test file, so that nothing is
installed and only that file is collected.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NO_TESTS_RAN = "pytest: no tests were collected\n0 passed, 0 failed\n"
SAMPLE = """
def test_passes():
    pass


def test_fails():
    assert 0
"""
# Plugins the throwaway file needs none of, left out to keep each run short.
QUIET = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest"]


@pytest.fixture
def test_file(tmp_path: Path) -> Path:
    path = tmp_path / "test_sample.py"
    path.write_text(SAMPLE)
    return path


def make_pytest(*pytest_args: str) -> subprocess.CompletedProcess[str]:
    """The Makefile's ``pytest`` target, run with this interpreter."""
    args = " ".join([*QUIET, *pytest_args])
    command = ["make", "-s", "-o", ".venv/.installed", "-o", "browser", "pytest"]
    return subprocess.run(
        [*command, f"BIN={Path(sys.executable).parent}", f"PYTEST_ARGS={args}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_no_test_collected_exits_0_with_a_line_saying_so(test_file: Path) -> None:
    done = make_pytest(str(test_file), "-k", "no_such_test_xyz")

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.endswith(NO_TESTS_RAN)
    assert "2 deselected" in done.stdout


def test_a_failing_test_still_fails_the_run(test_file: Path) -> None:
    done = make_pytest(str(test_file))

    assert done.returncode != 0
    assert "1 failed, 1 passed" in done.stdout
    assert "no tests were collected" not in done.stdout


@pytest.mark.parametrize(("selection", "status"), [("fails", 1), ("nothing", 5)])
def test_script_keeps_pytest_exit_codes_other_than_5(
    test_file: Path, selection: str, status: int
) -> None:
    """.ci/pytest itself: 1 stays 1 (make would report any failure as 2)."""
    done = subprocess.run(
        [str(ROOT / ".ci" / "pytest"), sys.executable, *QUIET, str(test_file)]
        + ["-k", selection],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == (0 if status == 5 else status), done.stdout
    assert done.stdout.endswith(NO_TESTS_RAN) == (status == 5)
