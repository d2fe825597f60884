"""A burst of realistic traffic for the example blogs, 404s and errors included."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import httpx

__all__ = ["Driven", "drive"]

AUTHORS = ("ada", "grace", "linus", "ada")
UPLOADS = (
    ("report.pdf", 40_000),
    ("photo.png", 250_000),
    ("notes.txt", 900),
    ("export.csv", 120_000),
)
PROBES = ("/wp-login.php", "/.env", "/api/posts/1/edit")


@dataclass
class Driven:
    """What the burst did: requests sent, and the business events expected."""

    requests: int = 0
    health_checks: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)

    @property
    def tracked_requests(self) -> int:
        """Requests that each make one "HTTP Requests" stat."""
        return self.requests - self.health_checks


def drive(base_urls: list[str], rounds: int = 1) -> Driven:
    """Use each blog as a small crowd would; return what was driven."""
    driven = Driven()
    # A new connection per request: a server may close a kept-alive one
    # after answering 500, and the next request on it would fail.
    limits = httpx.Limits(max_keepalive_connections=0)
    for base_url in base_urls:
        with httpx.Client(base_url=base_url, timeout=10.0, limits=limits) as http:
            for _ in range(rounds):
                _use_blog(http, driven)
    return driven


def _use_blog(http: httpx.Client, driven: Driven) -> None:
    def send(method: str, path: str, **kwargs: object) -> httpx.Response:
        response = http.request(method, path, **kwargs)  # type: ignore[arg-type]
        driven.requests += 1
        driven.statuses[response.status_code] += 1
        return response

    for _ in range(3):
        send("GET", "/health")
        driven.health_checks += 1

    for author in AUTHORS:
        send(
            "POST", "/api/posts", json={"title": f"Notes by {author}", "author": author}
        )
        driven.events["Blog Posts"] += 1
    send("POST", "/api/posts", json={"title": "no author"})  # refused: 400/422

    for _ in range(3):
        send("GET", "/api/posts")
    for post_id in (1, 2, 3, 2, 5, 99, 404):
        send("GET", f"/api/posts/{post_id}")  # the last two are 404s

    for export_format in ("md", "txt", "pdf", "docx"):
        send("GET", "/api/posts/1/export", params={"format": export_format})

    for filename, size in UPLOADS:
        send("POST", "/api/uploads", files={"file": (filename, b"x" * size)})
        driven.events["File Uploads"] += 1

    for _ in range(3):
        send("POST", "/api/signups")
    driven.events["Daily Signups"] = 1  # one stat per day, kept up to date

    for path in PROBES:
        send("GET", path)  # unknown paths: 404, recorded as unmatched
    send("DELETE", "/api/posts")  # a known path, a wrong method: 405
