"""``examples/daily_users.py``: one stat per day, updated by each run."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from examples import daily_users
from statsmix_middleware import API
from tests.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]


def users_db(path: Path, seen_today: int) -> Path:
    today = date.today().isoformat()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (name TEXT, last_seen TEXT)")
        rows = [(f"user{n}", f"{today}T09:00:00") for n in range(seen_today)]
        rows.append(("old", "2020-01-01T00:00:00"))
        conn.executemany("INSERT INTO users VALUES (?, ?)", rows)
    conn.close()
    return path


def test_each_run_updates_todays_one_stat(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        **os.environ,
        "STATSMIX_URL": live_server.url,
        "STATSMIX_API_KEY": live_server.api_key,
    }
    env.pop("STATSMIX_IGNORE", None)
    env.pop("STATSMIX_TEST_METRIC_NAME", None)
    script = subprocess.run(
        [sys.executable, "-m", "examples.daily_users", "--count", "40"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert script.returncode == 0, script.stderr
    assert "Daily Users" in script.stdout

    for key in ("STATSMIX_URL", "STATSMIX_API_KEY"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.delenv("STATSMIX_IGNORE", raising=False)
    monkeypatch.delenv("STATSMIX_TEST_METRIC_NAME", raising=False)
    assert daily_users.main(["--db", str(users_db(tmp_path / "app.db", 3))]) == 0

    with API(live_server.url, live_server.api_key) as api:
        (metric,) = api.list_metrics()
        (stat,) = api.list_stats(metric.id)
    assert metric.name == "Daily Users"
    assert stat.ref_id == date.today().isoformat()
    assert stat.value == Decimal(3)


def test_a_refused_run_fails_with_the_servers_reason(
    live_server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("STATSMIX_URL", live_server.url)
    monkeypatch.setenv("STATSMIX_API_KEY", "wrong-key")
    monkeypatch.delenv("STATSMIX_IGNORE", raising=False)

    assert daily_users.main(["--count", "1"]) == 1
    assert "401" in capsys.readouterr().err
