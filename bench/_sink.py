"""A local HTTP server that takes the peers' batch posts and counts their events.

Run: ``python -m bench._sink PORT``. Segment posts ``{"batch": [...]}`` to
``/v1/batch``, PostHog to ``/batch/``, our backend ``{"stats": [...]}`` to
``/api/v2/batch.json``; every POST is answered 200 and its events counted
(an answer without ``results`` tells our backend that all were stored).
``GET /count`` answers the running total. It runs in its own process, as
``statsmix-server`` does, so that it takes no CPU from the client.
"""

from __future__ import annotations

import gzip
import json
import sys
from typing import Any

import uvicorn

Message = dict[str, Any]


class Sink:
    """Counts the events of every batch it receives."""

    def __init__(self) -> None:
        self.events = 0

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return

        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)

        if scope["method"] == "POST":
            self.events += _count_events(body)
            answer = b"{}"
        else:
            answer = json.dumps({"events": self.events}).encode()

        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})


def _count_events(body: bytes) -> int:
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    try:
        payload = json.loads(body)
    except ValueError:
        return 0
    if not isinstance(payload, dict):
        return 0
    batch = payload.get("batch", payload.get("stats", []))
    return len(batch) if isinstance(batch, list) else 0


def main(port: int) -> None:
    uvicorn.run(Sink(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(int(sys.argv[1]))
