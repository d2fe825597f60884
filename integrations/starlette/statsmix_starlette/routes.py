"""Find a request's route template before the app runs, the way its router will."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from starlette.routing import BaseRoute, Host, Match, Mount
from starlette.types import Scope

__all__ = ["resolve_route", "routes_of"]

# What a Mount answers below its prefix, as Starlette declares it.
_MOUNT_TAIL = "/{path:path}"

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

    The template is the path as declared, converters included:
    ``/items/{item_id:int}`` stays ``/items/{item_id:int}``, as Flask keeps
    ``<int:item_id>``; a mounted app without routes of its own answers
    ``<prefix>/{path:path}``, the catch-all Starlette gives every ``Mount``.
    ``root_path`` is not part of it: it belongs to the deployment, not to the
    app. ``scope`` is never changed.
    """
    template, _ = _match_routes(routes, scope)
    return template


def _match_routes(routes: Iterable[Any], scope: Scope) -> tuple[str | None, Match]:
    partial: str | None = None

    for route in routes:
        if _is_included_router(type(route)):
            template, match = _match_included(route, scope)
        else:
            template, match = _match_one(route, scope)

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


def _match_one(route: Any, scope: Scope) -> tuple[str | None, Match]:
    """Match one route; a Mount or a Host that matches commits to its inside.

    The router hands a request to the first Mount or Host that matches, so
    what happens inside (a template, a 405, a 404) is final.
    """
    match, child_scope = route.matches(scope)
    if match is Match.NONE:
        return _NO_MATCH
    if not isinstance(route, (Mount, Host)):
        # A route of another kind that has no template counts as unmatched.
        template = getattr(route, "path", None)
        return (template if isinstance(template, str) and template else None), match

    prefix = route.path if isinstance(route, Mount) else ""

    routes = routes_of(route)
    if not routes:
        # A mounted app without routes of its own (static files, another
        # ASGI app) answers everything below its prefix.
        return (f"{prefix}{_MOUNT_TAIL}" if prefix else None), Match.FULL

    inner, _ = _match_routes(routes, {**scope, **child_scope})
    if inner is None:
        return None, Match.FULL
    return prefix + inner, Match.FULL


def _match_included(router: Any, scope: Scope) -> tuple[str | None, Match]:
    """Match the routes of a FastAPI included router, with their full templates.

    Recent FastAPI releases keep an included router as one entry that
    matches on behalf of its routes. Its ``effective_route_contexts()`` (what
    FastAPI's own ``iter_route_contexts`` reads, cached by FastAPI until the
    routes change) lists them, nested inclusions flattened, each either a
    copy of a Starlette route with the prefix applied or a context that
    matches and formats like a route. Older releases copied included routes
    into the app's own list, so they need nothing special.
    """
    partial: str | None = None
    for context in router.effective_route_contexts():
        route = context.starlette_route or context
        template, match = _match_one(route, scope)
        if match is Match.FULL:
            return template, match
        if match is Match.PARTIAL and partial is None:
            partial = template
    return (None, Match.NONE) if partial is None else (partial, Match.PARTIAL)


def _is_included_router(route_type: type[Any]) -> bool:
    """Whether routes of this class are FastAPI included routers (asked once)."""
    known = _included_types.get(route_type)
    if known is None:
        known = callable(getattr(route_type, "effective_route_contexts", None))
        _included_types[route_type] = known
    return known


_included_types: dict[type[Any], bool] = {}
