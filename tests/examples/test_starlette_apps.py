"""``examples/starlette_app.py`` and ``fastapi_app.py`` track what they say."""

from __future__ import annotations

from typing import Any

import pytest

from statsmix_middleware import Client, MemoryBackend
from tests.examples._checks import Response, drive_and_check

pytest.importorskip("statsmix_starlette")
from starlette.testclient import TestClient


class StarletteTraffic:
    def __init__(self, app: Any) -> None:
        self.http = TestClient(app, raise_server_exceptions=False)

    def get(self, path: str) -> Response:
        return self.http.get(path)

    def post_json(self, path: str, body: dict[str, Any]) -> Response:
        return self.http.post(path, json=body)

    def upload(self, path: str, filename: str, content: bytes) -> Response:
        return self.http.post(path, files={"file": (filename, content)})


def test_starlette_example_tracks_its_blog(
    memory: MemoryBackend, client: Client
) -> None:
    from examples.starlette_app import create_app

    drive_and_check(
        StarletteTraffic(create_app(client)), memory, "/api/posts/{post_id:int}"
    )


def test_fastapi_example_tracks_its_blog(memory: MemoryBackend, client: Client) -> None:
    pytest.importorskip("fastapi")
    from examples.fastapi_app import create_app

    drive_and_check(
        StarletteTraffic(create_app(client)), memory, "/api/posts/{post_id}"
    )
