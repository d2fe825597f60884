"""The live_server fixture itself: a real server, its account, its lifecycle."""

from __future__ import annotations

import httpx

from tests.live_server import LiveServer


def _track(server: LiveServer, name: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v2/track.json",
        data={"name": name},
        headers={"X-StatsMix-Token": server.api_key},
    )


def _stat_count(server: LiveServer) -> int:
    response = httpx.get(
        f"{server.url}/api/v2/stats.json",
        params={"api_key": server.api_key, "limit": 1000},
    )
    assert response.status_code == 200
    return len(response.json()["stats"]["stat"])


def test_live_server_serves_its_account(live_server: LiveServer) -> None:
    assert live_server.url.startswith("http://127.0.0.1:")
    assert not live_server.url.endswith("/")
    assert live_server.db_path.exists()

    assert _track(live_server, "Signups").status_code == 200
    assert _stat_count(live_server) == 1


def test_live_server_stop_start_keeps_the_file(live_server: LiveServer) -> None:
    assert _track(live_server, "Signups").status_code == 200

    live_server.restart()
    assert _stat_count(live_server) == 1

    live_server.kill()
    live_server.start()
    assert _stat_count(live_server) == 1


def test_live_server_makes_more_accounts(live_server: LiveServer) -> None:
    other = live_server.create_account("Other", monthly_limit=5)

    assert other != live_server.api_key
    response = httpx.get(f"{live_server.url}/api/v2/profiles.json?api_key={other}")
    assert response.status_code == 200
    assert len(response.json()["profiles"]["profile"]) == 1
