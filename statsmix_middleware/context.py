"""The request being handled right now, as seen by stats tracked meanwhile."""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass

__all__ = [
    "RequestInfo",
    "current_request",
    "enter_request",
    "exit_request",
    "fast_current_request",
]


@dataclass
class RequestInfo:
    """The method and route template of the request in progress.

    The middleware creates one per request and may fill in ``route`` once the
    framework has matched it; stats tracked during the request copy both into
    their meta unless they set their own.
    """

    method: str
    route: str | None = None


_current: ContextVar[RequestInfo | None] = ContextVar(
    "statsmix_current_request", default=None
)


def current_request() -> RequestInfo | None:
    """The request this code runs inside of, or None outside any request."""
    return _current.get()


def enter_request(info: RequestInfo) -> Token[RequestInfo | None]:
    """Make ``info`` the current request; pass the token to :func:`exit_request`."""
    return _current.set(info)


def exit_request(token: Token[RequestInfo | None]) -> None:
    """Restore whatever request was current before :func:`enter_request`."""
    _current.reset(token)


#: :func:`current_request` without the function call around it, for the
#: per-request and per-call paths.
fast_current_request = _current.get
