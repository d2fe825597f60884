from __future__ import annotations

import re
import types
from importlib import metadata
from pathlib import Path

import pytest

import statsmix_middleware

ROOT = Path(__file__).resolve().parents[2]
PYPROJECTS = sorted(
    [ROOT / "pyproject.toml"]
    + list(ROOT.glob("server/pyproject.toml"))
    + list(ROOT.glob("integrations/*/pyproject.toml"))
)


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(statsmix_middleware).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }

    assert set(statsmix_middleware.__all__) - {"__version__"} == public


def test_every_exported_name_resolves() -> None:
    for name in statsmix_middleware.__all__:
        assert getattr(statsmix_middleware, name) is not None


@pytest.mark.parametrize("pyproject", PYPROJECTS, ids=lambda p: p.parent.name)
def test_every_distribution_shares_the_version(pyproject: Path) -> None:
    match = re.search(r'^name = "([^"]+)"', pyproject.read_text(), re.MULTILINE)
    assert match is not None, f"{pyproject} names no distribution"
    name = match.group(1)

    assert metadata.version(name) == statsmix_middleware.__version__


def test_core_needs_python_3_10_and_only_wrapt_and_httpx() -> None:
    declared = metadata.requires("statsmix-middleware") or []
    names = {
        re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()
        for requirement in declared
        if "extra ==" not in requirement
    }

    assert names == {"httpx", "wrapt"}
    assert metadata.metadata("statsmix-middleware")["Requires-Python"] == ">=3.10"


def test_core_is_typed_and_registers_its_pytest_plugin() -> None:
    package = Path(statsmix_middleware.__file__).parent
    plugins = metadata.entry_points(group="pytest11")

    assert (package / "py.typed").is_file()
    assert "statsmix_middleware.pytest_plugin" in {ep.value for ep in plugins}
