"""``/api/v2/track``: a stat for a metric named, made on first use."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from .. import stat_store
from ..errors import ApiError
from ..fields import (
    MISSING,
    Params,
    generated_at_field,
    id_field,
    meta_field,
    name_field,
    ref_id_field,
    value_field,
)
from ..records import stat_record
from ..render import render_one
from ..stat_store import StatChanges
from .endpoint import ApiCall, endpoint
from .routing import api_route

__all__ = ["routes", "stat_changes", "track_fields"]


def stat_changes(params: Params) -> StatChanges:
    """The stat fields of a request, each checked."""
    return StatChanges(
        value=value_field(params),
        ref_id=ref_id_field(params),
        meta=meta_field(params),
        generated_at=generated_at_field(params),
    )


def track_fields(params: Params) -> tuple[str, int | None, StatChanges]:
    """The metric name, profile id and stat fields of a track request."""
    name = name_field(params)
    if name is MISSING:
        raise ApiError(422, "name is required")
    return name, id_field(params, "profile_id"), stat_changes(params)


async def track(call: ApiCall) -> Response:
    """Store a stat under the named metric; a known ``ref_id`` updates it.

    ``value`` defaults to 1 (an empty field too) and an explicit 0 is kept;
    ``generated_at`` defaults to now; ``profile_id`` to the first profile.
    """
    name, profile_id, changes = track_fields(call.params)
    row = await call.write(
        stat_store.track, call.account.id, name, profile_id, changes, quick=True
    )
    return render_one("stat", stat_record(row), call.format)


def routes() -> list[Route]:
    """GET and POST, as the original clients used both; HEAD is a 405.

    A GET here stores a stat, so a HEAD (which Starlette would answer by
    running the GET) is refused instead: nothing is stored or counted.
    """
    return api_route("/track", endpoint(track), ["GET", "POST"], head=False)
