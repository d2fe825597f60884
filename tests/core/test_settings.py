from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from statsmix_middleware.settings import (
    DEFAULT_URL,
    Settings,
    split_api_key_from_url,
)

# Reads the settings of a fresh default client in a new interpreter, so that
# nothing of this process's environment or state leaks in.
PROBE = """
import json, statsmix_middleware as s
from statsmix_middleware import MemoryBackend
backend = MemoryBackend()
client = s.configure(backend=backend)
s.track("Blog Posts")
print(json.dumps({
    "ignore": client.ignore,
    "test_metric_name": client.test_metric_name,
    "profile_id": client.profile_id,
    "api_key": client.settings.api_key,
    "url": client.settings.url,
    "names": [stat.name for stat in backend.stats],
}))
"""


def run_probe(**env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STATSMIX_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_environment_defaults_in_a_fresh_process() -> None:
    seen = run_probe()

    assert seen == {
        "ignore": False,
        "test_metric_name": None,
        "profile_id": None,
        "api_key": None,
        "url": DEFAULT_URL,
        "names": ["Blog Posts"],
    }


def test_statsmix_test_metric_name_renames_in_a_fresh_process() -> None:
    seen = run_probe(STATSMIX_TEST_METRIC_NAME="Staging", STATSMIX_PROFILE_ID="4")

    assert seen["names"] == ["Staging"]
    assert seen["profile_id"] == 4


def test_statsmix_ignore_wins_over_test_metric_in_a_fresh_process() -> None:
    seen = run_probe(STATSMIX_IGNORE="true", STATSMIX_TEST_METRIC_NAME="Staging")

    assert seen["ignore"] is True
    assert seen["names"] == []


def test_heroku_url_yields_key_and_base_in_a_fresh_process() -> None:
    seen = run_probe(STATSMIX_URL="https://stats.example/api_key/abc123")

    assert seen["api_key"] == "abc123"
    assert seen["url"] == "https://stats.example"


def test_arguments_win_over_the_environment() -> None:
    env = {
        "STATSMIX_API_KEY": "from-env",
        "STATSMIX_URL": "http://127.0.0.1:9/api_key/in-url",
        "STATSMIX_IGNORE": "1",
        "STATSMIX_TEST_METRIC_NAME": "env metric",
        "STATSMIX_PROFILE_ID": "3",
    }
    settings = Settings.resolve(
        api_key="given",
        url="http://127.0.0.1:8",
        ignore=False,
        test_metric_name="given metric",
        profile_id=5,
        environ=env,
    )

    assert settings == Settings(
        api_key="given",
        url="http://127.0.0.1:8",
        ignore=False,
        test_metric_name="given metric",
        profile_id=5,
    )


def test_explicit_key_variable_wins_over_key_in_url() -> None:
    env = {"STATSMIX_API_KEY": "explicit", "STATSMIX_URL": "http://h/api_key/in-url"}

    assert Settings.resolve(environ=env).api_key == "explicit"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8765", ("http://127.0.0.1:8765", None)),
        ("http://127.0.0.1:8765/", ("http://127.0.0.1:8765", None)),
        ("https://www.statsmix.com/api_key/f00d", ("https://www.statsmix.com", "f00d")),
        ("http://h/prefix/api_key/k/", ("http://h/prefix", "k")),
    ],
)
def test_split_api_key_from_url(url: str, expected: tuple[str, str | None]) -> None:
    assert split_api_key_from_url(url) == expected


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"STATSMIX_IGNORE": "maybe"}, "STATSMIX_IGNORE"),
        ({"STATSMIX_PROFILE_ID": "abc"}, "profile_id"),
        ({"STATSMIX_URL": "not a url"}, "STATSMIX_URL"),
        ({"STATSMIX_URL": "ftp://127.0.0.1"}, "STATSMIX_URL"),
    ],
)
def test_bad_environment_values_name_the_variable(
    env: dict[str, str], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        Settings.resolve(environ=env)
