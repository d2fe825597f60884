"""Stats survive restarts and kills; concurrency never loses or doubles one."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from statsmix_server import accounts
from statsmix_server.database import Database, SchemaError
from statsmix_server.migrations import MIGRATIONS
from tests.live_server import LiveServer
from tests.server.conftest import Api


def _values(api: Api) -> list[str]:
    return sorted(s["value"] for s in api.stats())


def test_stats_survive_sigterm_restart(live_server: LiveServer) -> None:
    api = Api(live_server, live_server.api_key)
    try:
        for value in range(10):
            api.track(name="Kept", value=str(value))
        api.ok("POST", "/batch.json", json={"stats": [{"name": "Kept"}] * 5})

        live_server.restart()

        assert len(api.stats()) == 15
        assert api.track(name="Kept")["metric_id"] == api.stats()[0]["metric_id"]
    finally:
        api.close()


def test_answered_stats_survive_sigkill(live_server: LiveServer) -> None:
    api = Api(live_server, live_server.api_key)
    try:
        sent = [api.track(name="Killed", value=str(v))["value"] for v in range(40)]
        batch = [{"name": "Killed", "value": v} for v in range(40, 60)]
        results = api.ok("POST", "/batch.json", json={"stats": batch})["results"]
        sent += [r["stat"]["value"] for r in results]

        live_server.kill()
        live_server.start()

        assert _values(api) == sorted(sent)
    finally:
        api.close()


async def _upsert_concurrently(api: Api, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(
        base_url=api.base,
        headers={"X-StatsMix-Token": api.key},
        limits=httpx.Limits(max_connections=count),
        timeout=30,
    ) as client:
        calls = [
            client.post(
                "/track.json",
                data={"name": "Racy", "ref_id": "2012-10-19", "value": str(v)},
            )
            for v in range(count)
        ]
        return list(await asyncio.gather(*calls))


def test_30_concurrent_upserts_of_one_ref_id_leave_one_stat(api: Api) -> None:
    responses = asyncio.run(_upsert_concurrently(api, 30))

    assert [r.status_code for r in responses] == [200] * 30
    ids = {r.json()["stat"]["id"] for r in responses}
    stored = api.stats()
    assert len(ids) == 1 and len(stored) == 1
    assert stored[0]["value"] in {f"{v}.0" for v in range(30)}


def test_concurrent_writers_never_see_a_locked_database(
    api: Api, server: LiveServer
) -> None:
    def track_many(worker: int) -> list[int]:
        with httpx.Client(base_url=api.base, timeout=30) as client:
            return [
                client.post(
                    "/track.json",
                    data={"name": f"W{worker % 3}", "api_key": api.key},
                ).status_code
                for _ in range(15)
            ]

    # Another process writes to the same file meanwhile.
    cli = subprocess.Popen(
        [sys.executable, "-c", _MAKE_ACCOUNTS, str(server.db_path)],
        stdout=subprocess.DEVNULL,
    )
    with ThreadPoolExecutor(8) as pool:
        statuses = [s for batch in pool.map(track_many, range(8)) for s in batch]
    assert cli.wait(60) == 0

    assert statuses == [200] * 120
    assert len(api.stats()) == 120
    assert len(api.ok("GET", "/metrics.json")["metrics"]["metric"]) == 3
    assert "locked" not in server.log()


_MAKE_ACCOUNTS = """
import sys
from statsmix_server import accounts
from statsmix_server.database import Database

database = Database(sys.argv[1])
for index in range(20):
    with database.write() as conn:
        accounts.create_account(conn, f"Concurrent {index}")
database.close()
"""


def test_an_older_file_is_migrated_at_startup(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path, migrations=MIGRATIONS[:1])
    with old.write() as conn:
        _, key = accounts.create_account(conn, "From the old schema")
    assert old.schema_version() == 1
    old.close()

    with LiveServer(path) as live:
        response = httpx.post(
            f"{live.url}/api/v2/track.json", data={"name": "A", "api_key": key}
        )
        assert response.status_code == 200

    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT version FROM schema_version").fetchall()
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert version == [(len(MIGRATIONS),)]
    assert mode == "wal"


def test_a_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Database(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = 999")

    with pytest.raises(SchemaError, match="newer schema version"):
        Database(path)


def test_keys_are_stored_only_as_digests(live_server: LiveServer) -> None:
    with sqlite3.connect(live_server.db_path) as conn:
        stored = [row[0] for row in conn.execute("SELECT key_hash FROM api_keys")]

    assert stored == [accounts.hash_key(live_server.api_key)]
    files = live_server.db_path.parent.glob(f"{live_server.db_path.name}*")
    for file in files:
        assert live_server.api_key.encode() not in file.read_bytes()
