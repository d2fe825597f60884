"""The ``statsmix-server`` command line, run as a user would run it."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points, version
from pathlib import Path

import httpx

import statsmix_middleware
import statsmix_server
from tests.live_server import LiveServer


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statsmix_server", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_version_is_the_core_version() -> None:
    assert statsmix_server.__version__ == statsmix_middleware.__version__
    assert version("statsmix-server") == version("statsmix-middleware")


def test_accounts_keys_and_profiles_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")

    created = _cli("accounts", "create", "--db", db, "--name", "Shop")
    limited = _cli(
        "accounts", "create", "--db", db, "--name", "Small", "--monthly-limit", "10"
    )
    key = created.stdout.splitlines()[-1]
    profile = _cli("profiles", "create", "--db", db, "--api-key", key, "--name", "EU")
    rotated = _cli("keys", "rotate", "--db", db, "--api-key", key)
    listing = _cli("accounts", "list", "--db", db)
    stale = _cli("keys", "rotate", "--db", db, "--api-key", key)

    assert created.returncode == limited.returncode == 0
    assert len(key) == 32 and key.isalnum()
    profile_id = profile.stdout.splitlines()[-1]
    assert profile.returncode == 0 and profile_id.isdigit()
    new_key = rotated.stdout.splitlines()[-1]
    assert rotated.returncode == 0 and new_key != key
    lines = listing.stdout.splitlines()
    assert "Shop" in lines[1] and "Small" in lines[2]
    assert lines[1].split()[1] == "-"  # no limit unless one is given
    assert lines[2].split()[1] == "10"
    assert key not in listing.stdout and new_key not in listing.stdout
    assert stale.returncode == 1 and "no account has that API key" in stale.stderr

    with LiveServer(tmp_path / "cli.db") as live:
        profiles = httpx.get(
            f"{live.url}/api/v2/profiles.json", params={"api_key": new_key}
        )
        old = httpx.get(f"{live.url}/api/v2/profiles.json", params={"api_key": key})
    listed = profiles.json()["profiles"]["profile"]
    assert [(p["id"], p["name"]) for p in listed][1] == (int(profile_id), "EU")
    assert [p["name"] for p in listed] == ["Default", "EU"]
    assert old.status_code == 401


def test_console_script_and_default_database(tmp_path: Path) -> None:
    (script,) = entry_points(group="console_scripts", name="statsmix-server")
    assert script.value == "statsmix_server.cli:main"
    command = Path(sys.executable).with_name("statsmix-server")

    created = subprocess.run(
        [str(command), "accounts", "create", "--name", "Here"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert created.returncode == 0, created.stderr
    assert (tmp_path / "statsmix.db").exists()
    key = created.stdout.splitlines()[-1]
    with LiveServer(tmp_path / "statsmix.db") as live:
        response = httpx.get(f"{live.url}/api/v2/profiles.json?api_key={key}")
    assert response.status_code == 200


def test_commands_refuse_bad_input(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")

    negative = _cli("accounts", "create", "--db", db, "--monthly-limit", "-1")
    no_account = _cli("keys", "rotate", "--db", db, "--account", "42")
    nothing = _cli()

    assert negative.returncode == 1 and "monthly-limit" in negative.stderr
    assert no_account.returncode == 1 and "42" in no_account.stderr
    assert nothing.returncode == 2
