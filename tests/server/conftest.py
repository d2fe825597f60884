"""A server shared by a test module, and a fresh account for each test."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live_server import LiveServer

KEY_HEADER = "X-StatsMix-Token"


class Api:
    """An httpx client on ``/api/v2`` of a live server, for one account."""

    def __init__(self, server: LiveServer, key: str) -> None:
        self.server = server
        self.key = key
        self.base = f"{server.url}/api/v2"
        self.http = httpx.Client(base_url=self.base, timeout=15)

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request with the key in the header."""
        headers = {KEY_HEADER: self.key, **kwargs.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """A JSON answer that must be 200."""
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def track(self, **fields: Any) -> dict[str, Any]:
        """Track through a form POST and return the stored stat."""
        stat: dict[str, Any] = self.ok("POST", "/track.json", data=fields)["stat"]
        return stat

    def stats(self, **params: Any) -> list[dict[str, Any]]:
        """The account's stats (up to 1000), newest first."""
        params.setdefault("limit", 1000)
        found: list[dict[str, Any]] = self.ok("GET", "/stats.json", params=params)[
            "stats"
        ]["stat"]
        return found

    def close(self) -> None:
        self.http.close()


def xml_fields(element: ET.Element) -> dict[str, str | None]:
    """The children of a Rails-style XML object; ``nil="true"`` is None."""
    return {
        child.tag: None if child.get("nil") == "true" else (child.text or "")
        for child in element
    }


def xml_error(response: httpx.Response) -> str:
    """The message of an XML error body (as the Ruby gem reads it)."""
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    error = root.find("error")
    assert error is not None and error.text
    assert "\n" not in error.text
    return error.text


def json_error(response: httpx.Response) -> str:
    """The message of a JSON error body (as the Ruby and PHP clients read it)."""
    assert response.headers["content-type"].startswith("application/json")
    message = response.json()["errors"]["error"]
    assert isinstance(message, str) and message
    return message


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the whole module; tests keep apart by account."""
    directory: Path = tmp_path_factory.mktemp("server")
    live = LiveServer(directory / "statsmix.db")
    live.start()
    try:
        live.api_key = live.create_account("Module account")
        yield live
    finally:
        live.stop()


@pytest.fixture
def api(server: LiveServer) -> Iterator[Api]:
    """A client for a new account of the module's server."""
    client = Api(server, server.create_account("Test account"))
    try:
        yield client
    finally:
        client.close()
