"""Signing in with the API key, signing out, and finding one's way in."""

from __future__ import annotations

import sqlite3

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..accounts import first_profile_id, list_profiles
from .sessions import COOKIE_NAME, Session, end_session, start_session
from .web import (
    PageError,
    checked_form,
    page,
    read,
    redirect,
    render,
    require_account,
    set_session_cookie,
    write,
)

__all__ = ["routes"]


def _local_path(target: object) -> str:
    """``target`` if it is a path on this site, else the start page.

    Anything else (``//host``, ``https://...``) would turn the sign-in form
    into an open redirect.
    """
    if (
        isinstance(target, str)
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
    ):
        return target
    return "/"


async def index(request: Request, session: Session) -> Response:
    """``/``: the first profile's metrics, or the sign-in form."""
    if session.account_id is None:
        return redirect("/signin")
    profile_id = await read(request, first_profile_id, session.account_id)
    if profile_id is None:
        return redirect("/dashboards")
    return redirect(f"/profiles/{profile_id}/metrics")


async def signin_form(request: Request, session: Session) -> Response:
    """``GET /signin``: the form; someone signed in goes on to ``next``."""
    next_path = _local_path(request.query_params.get("next", "/"))
    if session.signed_in:
        return redirect(next_path)
    return render(request, session, "signin.html", {"next": next_path, "error": None})


async def signin(request: Request, session: Session) -> Response:
    """``POST /signin``: a new session for a live API key, then ``next``."""
    form = await checked_form(request, session)
    next_path = _local_path(form.get("next"))
    api_key = form.get("api_key")

    started = None
    if isinstance(api_key, str) and api_key.strip():
        started = await write(request, start_session, api_key.strip())
    if started is None:
        context = {"next": next_path, "error": "That API key is not valid."}
        return render(request, session, "signin.html", context, status=401)

    # A new session id on sign-in: an id planted before it is worth nothing.
    if not session.is_new:
        await write(request, end_session, session.session_id)
    response = redirect(next_path)
    await set_session_cookie(request, response, started)
    return response


async def signout(request: Request, session: Session) -> Response:
    """``POST /signout``: end the session and forget the cookie."""
    await checked_form(request, session)
    if session.signed_in:
        await write(request, end_session, session.session_id)
    response = redirect("/signin")
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


async def switch_profile(request: Request, session: Session) -> Response:
    """``/profiles?profile_id=N``: the profile switcher's target."""
    account_id = require_account(session)
    wanted = request.query_params.get("profile_id", "")

    def owned(conn: sqlite3.Connection) -> bool:
        return any(str(p.id) == wanted for p in list_profiles(conn, account_id))

    if not await read(request, owned):
        raise PageError(404)
    return redirect(f"/profiles/{wanted}/metrics")


def routes() -> list[Route]:
    """Sign-in, sign-out, the start page and the profile switcher."""
    return [
        Route("/", page(index)),
        Route("/signin", page(signin_form), methods=["GET"]),
        Route("/signin", page(signin), methods=["POST"]),
        Route("/signout", page(signout), methods=["POST"]),
        Route("/profiles", page(switch_profile), methods=["GET"]),
    ]
