"""Helpers for the dashboard's tests: API calls, signed-in clients, Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live_server import LiveServer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def api(server: LiveServer, key: str | None = None) -> httpx.Client:
    """An API client of the account with ``key`` (the fixture's by default)."""
    return httpx.Client(
        base_url=f"{server.url}/api/v2",
        headers={"X-StatsMix-Token": key or server.api_key},
        timeout=10,
    )


def track(server: LiveServer, name: str, value: float = 1, **fields: Any) -> Any:
    """Track one stat through the API; return the stat as answered."""
    with api(server, fields.pop("key", None)) as client:
        response = client.post(
            "/track.json", json={"name": name, "value": value, **fields}
        )
    assert response.status_code == 200, response.text
    return response.json()["stat"]


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Browser:
    """A signed-in httpx client of the pages: what a browser would send."""

    def __init__(self, server: LiveServer, key: str | None = None) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=10)
        self.token = ""
        if key is not None:
            self.sign_in(key)

    def sign_in(self, key: str) -> httpx.Response:
        token = csrf_token(self.http.get("/signin").text)
        response = self.http.post("/signin", data={"csrf_token": token, "api_key": key})
        if response.status_code == 303:
            # Signing in starts a new session, and with it a new CSRF token.
            self.token = csrf_token(self.http.get("/dashboards").text)
        return response

    def post(self, path: str, **data: str) -> httpx.Response:
        return self.http.post(path, data={"csrf_token": self.token, **data})

    def create_dashboard(self, name: str, *metric_ids: int) -> str:
        """Make a dashboard with a chart per metric; return its path."""
        response = self.post("/dashboards", name=name)
        assert response.status_code == 303, response.text
        path = response.headers["location"]
        for metric_id in metric_ids:
            added = self.post(f"{path}/charts", metric_id=str(metric_id))
            assert added.status_code == 303, added.text
        return path


class Clients:
    """Makes page clients of one server, and closes them all afterwards."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self._open: list[httpx.Client] = []

    def browser(self, key: str | None = None) -> Browser:
        """A page client, signed in with ``key`` when one is given."""
        client = Browser(self.server)
        self._open.append(client.http)
        if key is not None:
            client.sign_in(key)
        return client

    def anonymous(self) -> httpx.Client:
        """A client with no session at all."""
        client = httpx.Client(base_url=self.server.url, timeout=10)
        self._open.append(client)
        return client

    def close(self) -> None:
        for client in self._open:
            client.close()


@pytest.fixture
def clients(live_server: LiveServer) -> Iterator[Clients]:
    made = Clients(live_server)
    yield made
    made.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright, shared by one module.

    Playwright's synchronous API keeps an event loop marked as running on the
    main thread while it is open; closing it with the module lets later tests
    call ``asyncio.run()``.
    """
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make browser` to install it")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
