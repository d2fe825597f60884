"""What every example blog must track, whichever framework serves it."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from statsmix_middleware import MemoryBackend
from statsmix_middleware.conventions import UNMATCHED_ROUTE


class Response(Protocol):
    status_code: int


class Traffic(Protocol):
    """The few calls the checks make, over each framework's test client."""

    def get(self, path: str) -> Response: ...

    def post_json(self, path: str, body: dict[str, Any]) -> Response: ...

    def upload(self, path: str, filename: str, content: bytes) -> Response: ...


def drive_and_check(traffic: Traffic, memory: MemoryBackend, post_route: str) -> None:
    """Drive one of each request the blog knows and check every stat it made."""
    assert traffic.get("/health").status_code == 200
    assert memory.stats == []  # the health check is excluded

    assert (
        traffic.post_json("/api/posts", {"title": "Hi", "author": "bob"}).status_code
        == 201
    )
    (post,) = memory.named("Blog Posts")
    assert post.meta == {"author": "bob", "method": "POST", "route": "/api/posts"}
    (render,) = memory.named("Post Renders")
    assert render.meta["route"] == "/api/posts"
    assert render.value >= 0

    assert traffic.get("/api/posts/999").status_code == 404
    assert traffic.get("/api/posts/2/export?format=pdf").status_code == 500
    assert traffic.get("/no/such/page").status_code == 404

    response = traffic.upload("/api/uploads", "report.pdf", b"%PDF-1.4 ...")
    assert response.status_code == 201
    (upload,) = memory.named("File Uploads")
    assert upload.meta["file type"] == "PDF"
    assert upload.meta["size"] == "small"

    for _ in range(2):
        assert traffic.post_json("/api/signups", {}).status_code == 201
    signups = memory.named("Daily Signups")
    assert [stat.value for stat in signups] == [1, 2]
    assert {stat.ref_id for stat in signups} == {date.today().isoformat()}

    requests = [
        (s.meta["method"], s.meta["route"], s.meta["status"], s.meta.get("error"))
        for s in memory.named("HTTP Requests")
    ]
    export_route = f"{post_route}/export"
    assert requests == [
        ("POST", "/api/posts", "201", None),
        ("GET", post_route, "404", None),
        ("GET", export_route, "500", "UnsupportedFormat"),
        ("GET", UNMATCHED_ROUTE, "404", None),
        ("POST", "/api/uploads", "201", None),
        ("POST", "/api/signups", "201", None),
        ("POST", "/api/signups", "201", None),
    ]
