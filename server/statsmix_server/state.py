"""What a running server keeps between requests, reachable from any route."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from .database import Database

__all__ = ["ServerState", "server_state"]


@dataclass(frozen=True)
class ServerState:
    """The open database and the request body limit, set at startup."""

    database: Database
    body_limit: int


def server_state(connection: HTTPConnection) -> ServerState:
    """The state of the app serving this request or websocket."""
    state: ServerState = connection.app.state.statsmix
    return state
