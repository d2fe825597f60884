"""Every distribution of the repository carries the core's version."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, requires, version
from pathlib import Path

import pytest

import statsmix_middleware

ROOT = Path(__file__).resolve().parents[2]
PYPROJECTS = sorted(
    [
        ROOT / "pyproject.toml",
        *ROOT.glob("server/pyproject.toml"),
        *ROOT.glob("integrations/*/pyproject.toml"),
    ]
)


def distribution_name(pyproject: Path) -> str:
    found = re.search(r'^name\s*=\s*"([^"]+)"', pyproject.read_text(), re.MULTILINE)
    assert found, f"{pyproject} names no distribution"
    return found.group(1)


def test_every_adapter_is_found() -> None:
    names = {distribution_name(path) for path in PYPROJECTS}
    assert {"statsmix-middleware", "statsmix-flask", "statsmix-starlette"} <= names


@pytest.mark.parametrize(
    "pyproject", PYPROJECTS, ids=lambda path: str(path.parent.relative_to(ROOT))
)
def test_distribution_version_is_the_core_version(pyproject: Path) -> None:
    name = distribution_name(pyproject)
    try:
        installed = version(name)
    except PackageNotFoundError:
        pytest.fail(f"{name} is not installed: pip install -e {pyproject.parent}")
    assert installed == statsmix_middleware.__version__


@pytest.mark.parametrize(
    "pyproject",
    [path for path in PYPROJECTS if path.parent != ROOT],
    ids=lambda path: str(path.parent.relative_to(ROOT)),
)
def test_distribution_pins_the_core_to_its_own_version(pyproject: Path) -> None:
    """Each one uses parts of the core beyond its public API, so a core of
    another release may break it: the requirement is ``==`` the version."""
    name = distribution_name(pyproject)
    pinned = f"statsmix-middleware=={statsmix_middleware.__version__}"

    declared = re.findall(r'"(statsmix-middleware[^";]*)', pyproject.read_text())
    assert declared == [pinned], f"{pyproject} must require {pinned!r}"
    installed = [r for r in requires(name) or [] if r.startswith("statsmix-")]
    assert installed == [pinned], f"reinstall it: pip install -e {pyproject.parent}"


def test_adapters_export_the_core_version() -> None:
    statsmix_flask = pytest.importorskip("statsmix_flask")
    statsmix_starlette = pytest.importorskip("statsmix_starlette")

    assert statsmix_flask.__version__ == statsmix_middleware.__version__
    assert statsmix_starlette.__version__ == statsmix_middleware.__version__


@pytest.mark.parametrize(
    ("module", "attribute", "framework", "folder"),
    [
        ("statsmix_flask", "SUPPORTED_FLASK", "flask", "flask"),
        ("statsmix_starlette", "SUPPORTED_STARLETTE", "starlette", "starlette"),
        ("statsmix_starlette", "SUPPORTED_FASTAPI", "fastapi", "starlette"),
    ],
)
def test_supported_range_matches_the_requirement_and_the_tested_release(
    module: str, attribute: str, framework: str, folder: str
) -> None:
    """The newest supported release is the one installed for the tests, and
    the oldest is the lower bound the distribution declares."""
    oldest, newest = getattr(pytest.importorskip(module), attribute)
    pyproject = (ROOT / "integrations" / folder / "pyproject.toml").read_text()

    assert version(framework) == newest
    assert f'"{framework}{oldest}"' in pyproject
