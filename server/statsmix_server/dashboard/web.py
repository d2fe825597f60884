"""What every dashboard page shares: the database, the session, rendering.

An endpoint is written as ``async def view(request, session)`` and wrapped
with :func:`page`, which loads the session first, turns a :class:`PageError`
into an error page, and sets the cookie of a new visitor.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..errors import ApiError
from ..params import gone_response, read_body
from ..state import server_state
from .security import API_HEADERS, page_headers
from .sessions import (
    COOKIE_NAME,
    CSRF_FIELD,
    SESSION_LIFETIME,
    Session,
    Signer,
    find_account,
    load_secret,
    new_session_id,
)
from .templating import render_template

__all__ = [
    "PageError",
    "View",
    "checked_form",
    "data",
    "data_response",
    "error_page",
    "page",
    "read",
    "redirect",
    "render",
    "require_account",
    "shared",
    "write",
]

T = TypeVar("T")

_MAX_FORM_FIELDS = 100
View = Callable[[Request, Session], Awaitable[Response]]

_MESSAGES = {
    401: "Sign in to see this page.",
    403: "This form has expired or did not come from this site. Reload the "
    "page and try again.",
    404: "There is nothing here, or it is not yours to see.",
    422: "That did not work.",
}


class PageError(Exception):
    """Stop a view and answer an error page with this status and message."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message or _MESSAGES.get(status, "Error"))
        self.status = status
        self.message = str(self.args[0])


async def read(request: Request, work: Callable[..., T], *args: Any) -> T:
    """Run ``work(conn, *args)`` in a read snapshot, off the event loop."""

    def run() -> T:
        with server_state(request).database.read() as conn:
            return work(conn, *args)

    return await run_in_threadpool(run)


async def write(request: Request, work: Callable[..., T], *args: Any) -> T:
    """Run ``work(conn, *args)`` in one write transaction, off the event loop."""

    def run() -> T:
        with server_state(request).database.write() as conn:
            return work(conn, *args)

    return await run_in_threadpool(run)


async def signer(request: Request) -> Signer:
    """The app's signer, its secret loaded from the database once."""
    state = request.app.state
    if getattr(state, "dashboard_signer", None) is None:
        state.dashboard_signer = Signer(await write(request, load_secret))
    found: Signer = state.dashboard_signer
    return found


async def load_session(request: Request) -> Session:
    """The visitor's session; a fresh anonymous one without a valid cookie."""
    cookie = request.cookies.get(COOKIE_NAME, "")
    session_id = (await signer(request)).unsign(cookie)
    if session_id is None:
        return Session(new_session_id(), is_new=True)

    account_id = await read(request, find_account, session_id)
    return Session(session_id, account_id)


def page(view: View) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a view: session in, error pages and the session cookie out."""

    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        session = await load_session(request)
        try:
            response = await view(request, session)
        except PageError as error:
            response = error_page(request, session, error)
        except ClientDisconnect:
            # A form's sender left mid-body: nothing failed, nobody to answer.
            return gone_response()
        if session.is_new:
            await set_session_cookie(request, response, session)
        return response

    return endpoint


def data(view: View) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a JSON view: session in, errors out as ``{"error": message}``."""

    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        session = await load_session(request)
        try:
            return await view(request, session)
        except PageError as error:
            return data_response({"error": error.message}, error.status)

    return endpoint


def shared(
    view: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a view of a shared address: no session at all, errors as pages."""

    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        try:
            return await view(request)
        except PageError as error:
            if request.url.path.endswith(".json"):
                return data_response({"error": error.message}, error.status)
            return error_page(request, None, error)

    return endpoint


def error_page(request: Request, session: Session | None, error: PageError) -> Response:
    """The answer to a :class:`PageError` raised by a page."""
    # A signed-out visitor who opens a page lands on the sign-in form, and
    # comes back here afterwards.
    if error.status == 401 and request.method == "GET":
        return redirect(f"/signin?{urlencode({'next': request.url.path})}")
    return render(
        request,
        session,
        "error.html",
        {"status": error.status, "message": error.message},
        status=error.status,
    )


async def set_session_cookie(
    request: Request, response: Response, session: Session
) -> None:
    """Give the browser the signed cookie of ``session``."""
    response.set_cookie(
        COOKIE_NAME,
        (await signer(request)).sign(session.session_id),
        max_age=SESSION_LIFETIME,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def render(
    request: Request,
    session: Session | None,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    frameable: bool = False,
) -> HTMLResponse:
    """An HTML page with the security headers and the session's CSRF token."""
    signer_ = getattr(request.app.state, "dashboard_signer", None)
    csrf = ""
    if session is not None and signer_ is not None:
        csrf = signer_.csrf_token(session.session_id)
    full = {
        "session": session,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf,
        "profiles": [],
        "profile": None,
        **context,
    }
    return HTMLResponse(
        render_template(template, full),
        status_code=status,
        headers=page_headers(frameable=frameable),
    )


async def checked_form(request: Request, session: Session) -> dict[str, str]:
    """The posted form, once its CSRF token and origin check out.

    Pages post url-encoded forms only; any other body reads as empty fields.

    Raises:
        PageError: 403 for a missing or wrong token, or a foreign Origin;
            413 for a body over the server's limit.
        ClientDisconnect: the sender left mid-body; :func:`page` answers it.
    """
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.url.netloc:
        raise PageError(403)

    # Read through the API's bounded reader, so that a page's form has the
    # same body limit (and 413) as every API call.
    try:
        body = await read_body(request, server_state(request).body_limit)
        text = body.decode("utf-8", "replace")
        form = dict(parse_qsl(text, max_num_fields=_MAX_FORM_FIELDS))
    except ApiError as error:
        raise PageError(error.status, error.message) from None
    except ValueError:
        raise PageError(400, "The form has too many fields.") from None
    token = form.get(CSRF_FIELD)
    if session.is_new or not (await signer(request)).check_csrf(
        session.session_id, token
    ):
        raise PageError(403)
    return form


def redirect(location: str) -> RedirectResponse:
    """See Other: the answer to every successful form post."""
    return RedirectResponse(location, status_code=303, headers=page_headers())


def data_response(content: Any, status: int = 200) -> Response:
    """Chart data as JSON, never cached."""
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return Response(
        body,
        status,
        media_type="application/json; charset=utf-8",
        headers=API_HEADERS,
    )


def require_account(session: Session) -> int:
    """The signed-in account id.

    Raises:
        PageError: 401 when nobody is signed in.
    """
    if session.account_id is None:
        raise PageError(401)
    return session.account_id
