"""``/api/v2/profiles``: the account's profiles (an extension of this server)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from ..accounts import list_profiles
from ..records import profile_record
from ..render import render_list
from .endpoint import ApiCall, endpoint
from .routing import api_route

__all__ = ["routes"]


async def profiles(call: ApiCall) -> Response:
    """Every profile of the account, first made first."""
    rows = await call.read(list_profiles, call.account.id, quick=True)
    records = [profile_record(profile) for profile in rows]
    return render_list("profiles", "profile", records, call.format)


def routes() -> list[Route]:
    """GET only: profiles are made with ``statsmix-server profiles create``."""
    return api_route("/profiles", endpoint(profiles), ["GET"])
