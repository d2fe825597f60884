"""What every API route does before and after its own work.

:func:`endpoint` turns a handler of an :class:`ApiCall` into a Starlette
endpoint that reads the body (bounded), gathers the parameters, picks the
answer format, finds the account from the key, counts the call against the
plan, and renders any refusal as an error body in the requested format.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from .. import plan
from ..accounts import Account, authenticate
from ..database import Database
from ..errors import ApiError
from ..params import gone_response, parse_params, query_params, read_body
from ..render import Format, format_from_path, render_error, requested_format
from ..state import server_state

__all__ = [
    "KEY_HEADER",
    "ApiCall",
    "Handler",
    "early_format",
    "endpoint",
    "in_thread",
    "write",
]

logger = logging.getLogger(__name__)

KEY_HEADER = "X-StatsMix-Token"

T = TypeVar("T")


@dataclass(frozen=True)
class ApiCall:
    """One authenticated API request, ready for its handler.

    ``granted`` is how many of the requests it asked the plan for were
    allowed: 1 for ordinary calls, up to the item count for a batch.
    """

    request: Request
    params: dict[str, Any]
    format: Format
    account: Account
    database: Database
    granted: int

    @property
    def base_url(self) -> str:
        """The server's own address, for links such as a metric's ``url``."""
        return str(self.request.base_url).rstrip("/")

    async def write(self, func: Callable[..., T], *args: Any, quick: bool = False) -> T:
        """``func(conn, *args)`` in the one write transaction.

        It runs in a worker thread; with ``quick`` (work on a row or two) it
        runs right away on the event loop when nothing else is writing.
        """
        return await write(self.database, func, *args, quick=quick)

    async def read(self, func: Callable[..., T], *args: Any, quick: bool = False) -> T:
        """``func(conn, *args)`` on a read snapshot.

        It runs in a worker thread; with ``quick`` (a row or two) on the
        event loop, as a WAL reader never waits for a lock.
        """
        if quick:
            return _in_read(self.database, func, *args)
        return await in_thread(_in_read, self.database, func, *args)


async def write(
    database: Database, func: Callable[..., T], *args: Any, quick: bool = False
) -> T:
    """``func(conn, *args)`` in a write transaction; see :meth:`ApiCall.write`.

    A thread hop costs far more than a one-row write, so quick work is tried
    on the loop first, never waiting there: if the writer is busy it goes to
    a thread like the rest.
    """
    if quick:
        outcome = database.write_now(func, *args)
        if outcome[0]:
            return outcome[1]
    return await in_thread(_in_write, database, func, *args)


def _in_write(database: Database, func: Callable[..., T], *args: Any) -> T:
    with database.write() as conn:
        return func(conn, *args)


def _in_read(database: Database, func: Callable[..., T], *args: Any) -> T:
    with database.read() as conn:
        return func(conn, *args)


Handler = Callable[[ApiCall], Awaitable[Response]]
Cost = Callable[[dict[str, Any]], int]


def _one(params: dict[str, Any]) -> int:
    return 1


async def in_thread(func: Callable[..., T], *args: Any) -> T:
    """Run blocking database work off the event loop."""
    return await run_in_threadpool(func, *args)


def endpoint(
    handler: Handler, *, cost: Cost = _one
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap ``handler`` with body reading, auth, plan counting and errors.

    Args:
        handler: does the route's own work and renders the answer.
        cost: how many plan requests the call counts for, from its params.
    """

    async def run(request: Request) -> Response:
        fmt = early_format(request)
        try:
            state = server_state(request)
            body = await read_body(request, state.body_limit)
            params = await parse_params(request, body)
            fmt = requested_format(request.url.path, params)
            key = _api_key(request, params)
            account, granted = await write(
                state.database, _admit, key, cost(params), quick=True
            )
            call = ApiCall(request, params, fmt, account, state.database, granted)
            return await handler(call)
        except ApiError as error:
            return render_error(error, fmt)
        except ClientDisconnect:
            # Nothing went wrong on this side, and nobody is left to answer.
            logger.debug("%s %s: client left", request.method, request.url.path)
            return gone_response()
        except Exception:
            logger.exception("%s %s failed", request.method, request.url.path)
            return render_error(ApiError(500, "internal server error"), fmt)

    return run


def early_format(request: Request) -> Format:
    """The format known before the body is read, for refusals such as 413.

    The path suffix, then a ``format`` in the query string, then XML. A
    ``format`` other than xml or json gives XML here; the endpoint refuses
    it with a 422 once it gets that far.
    """
    try:
        return requested_format(request.url.path, query_params(request))
    except ApiError:
        return format_from_path(request.url.path) or "xml"


def _api_key(request: Request, params: dict[str, Any]) -> str:
    key: object = request.headers.get(KEY_HEADER) or params.get("api_key")
    if not key or not isinstance(key, str):
        raise ApiError(
            401,
            f"API key missing: send it in the {KEY_HEADER} header "
            "or as the api_key parameter",
        )
    return key


def _admit(conn: sqlite3.Connection, key: str, requests: int) -> tuple[Account, int]:
    account = authenticate(conn, key)
    if account is None:
        raise ApiError(401, "API key is not valid")
    return account, plan.charge(conn, account, max(1, requests))
