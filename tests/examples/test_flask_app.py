"""``examples/flask_app.py`` tracks what the README says it does."""

from __future__ import annotations

import io
from typing import Any

import pytest

from statsmix_middleware import Client, MemoryBackend
from tests.examples._checks import Response, drive_and_check

flask_app = pytest.importorskip("examples.flask_app")


class FlaskTraffic:
    def __init__(self, client: Client) -> None:
        self.http = flask_app.create_app(client).test_client()

    def get(self, path: str) -> Response:
        return self.http.get(path, buffered=True)

    def post_json(self, path: str, body: dict[str, Any]) -> Response:
        return self.http.post(path, json=body, buffered=True)

    def upload(self, path: str, filename: str, content: bytes) -> Response:
        data = {"file": (io.BytesIO(content), filename)}
        return self.http.post(path, data=data, buffered=True)


def test_flask_example_tracks_its_blog(memory: MemoryBackend, client: Client) -> None:
    drive_and_check(FlaskTraffic(client), memory, "/api/posts/<int:post_id>")
