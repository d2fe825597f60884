"""The distribution's metadata agrees with the core and with itself."""

from __future__ import annotations

from importlib.metadata import requires, version
from pathlib import Path

from packaging.requirements import Requirement

import statsmix_middleware
import statsmix_opentelemetry
from statsmix_opentelemetry import SUPPORTED

PROJECT = Path(statsmix_opentelemetry.__file__).resolve().parents[1]


def test_version_is_the_core_version() -> None:
    assert version("statsmix-opentelemetry") == statsmix_middleware.__version__
    assert statsmix_opentelemetry.__version__ == statsmix_middleware.__version__


def test_dependencies_are_the_core_and_the_api_only() -> None:
    declared = requires("statsmix-opentelemetry") or []
    names = {Requirement(dep).name for dep in declared}

    assert names == {"statsmix-middleware", "opentelemetry-api"}


def test_supported_range_is_the_declared_lower_bound() -> None:
    oldest, newest = SUPPORTED["opentelemetry-api"]
    [api] = [
        Requirement(dep)
        for dep in requires("statsmix-opentelemetry") or []
        if dep.startswith("opentelemetry-api")
    ]

    assert api.specifier.contains(oldest)
    assert not api.specifier.contains(_below(oldest))
    assert api.specifier.contains(newest)


def test_supported_range_is_in_the_readme() -> None:
    readme = (PROJECT / "README.md").read_text()
    oldest, newest = SUPPORTED["opentelemetry-api"]

    assert f"| opentelemetry-api | {oldest} | {newest} |" in readme


def test_every_exported_name_exists() -> None:
    for name in statsmix_opentelemetry.__all__:
        assert hasattr(statsmix_opentelemetry, name), name


def _below(release: str) -> str:
    major, minor, _ = (int(part) for part in release.split("."))
    return f"{major}.{minor - 1}.99"
