"""Find a request's route template before the app runs, the way its router will."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from starlette.routing import BaseRoute, Host, Match, Mount
from starlette.types import Scope

__all__ = ["resolve_route", "routes_of"]

# A Mount's template is its prefix followed by this catch-all parameter.
_MOUNT_TAIL = "/{path}"

_NO_MATCH: tuple[str | None, Match] = (None, Match.NONE)


def routes_of(app: Any) -> Sequence[BaseRoute] | None:
    """The routes of a Starlette or FastAPI app, a Router, or None for others."""
    routes = getattr(app, "routes", None)
    if isinstance(routes, (list, tuple)):
        return routes
    return None


def resolve_route(routes: Sequence[BaseRoute], scope: Scope) -> str | None:
    """The template of the route that ``scope`` will be dispatched to.

    The routes are matched in order exactly as Starlette's router does: the
    first full match wins, else the first partial one (a known path with
    another method, which the router answers with 405, keeps its template).
    A ``Mount`` adds its prefix and continues inside; a ``Host`` continues
    inside without adding anything. None when nothing matches (404).

    The template is Starlette's ``path_format``: ``/items/{item_id:int}`` is
    recorded as ``/items/{item_id}``. ``root_path`` is not part of it: it
    belongs to the deployment, not to the app. ``scope`` is never changed.
    """
    template, _ = _match_routes(routes, scope)
    return template


def _match_routes(routes: Iterable[Any], scope: Scope) -> tuple[str | None, Match]:
    partial: str | None = None

    for route in routes:
        if hasattr(route, "original_router"):
            template, match = _match_included(route, scope)
        else:
            template, match = _match_one(route, route, scope)

        if match is Match.FULL:
            return template, match
        if match is Match.PARTIAL and partial is None:
            partial = template

    # Limitation: FastAPI's low-priority frontend routes, tried only after
    # every other route failed, are not looked at; such requests count as
    # unmatched. They serve files, not endpoints.
    if partial is None:
        return _NO_MATCH
    return partial, Match.PARTIAL


def _match_one(
    matcher: Any, declared: BaseRoute, scope: Scope
) -> tuple[str | None, Match]:
    """Match one route; a Mount or a Host that matches commits to its inside.

    The router hands a request to the first Mount or Host that matches, so
    what happens inside (a template, a 405, a 404) is final.
    """
    match, child_scope = matcher.matches(scope)
    if match is Match.NONE:
        return _NO_MATCH
    if not isinstance(declared, (Mount, Host)):
        return matcher.path_format, match

    prefix = ""
    if isinstance(declared, Mount):
        prefix = str(matcher.path_format).removesuffix(_MOUNT_TAIL)

    routes = routes_of(matcher)
    if not routes:
        # A mounted app without routes of its own (static files, another
        # ASGI app) answers everything below its prefix.
        return (f"{prefix}{_MOUNT_TAIL}" if prefix else None), Match.FULL

    inner, _ = _match_routes(routes, {**scope, **child_scope})
    if inner is None:
        return None, Match.FULL
    return prefix + inner, Match.FULL


def _match_included(route: Any, scope: Scope) -> tuple[str | None, Match]:
    """Match the routes of a FastAPI included router, with their full templates.

    Recent FastAPI releases keep an included router as one entry that
    matches on behalf of its routes; FastAPI's ``iter_route_contexts`` lists
    them, nested inclusions flattened and prefixes applied. Older releases
    copied included routes into the app's own list, so they need nothing
    special.
    """
    from fastapi.routing import iter_route_contexts

    partial: str | None = None
    for context in iter_route_contexts([route]):
        template, match = _match_one(context, context.original_route, scope)
        if match is Match.FULL:
            return template, match
        if match is Match.PARTIAL and partial is None:
            partial = template
    return (None, Match.NONE) if partial is None else (partial, Match.PARTIAL)
