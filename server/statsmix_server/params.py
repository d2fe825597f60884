"""A request's parameters, from wherever the client put them.

The original clients send parameters in the query string (Java), a
url-encoded form body on every verb, GET and DELETE included (Ruby), or a
multipart body (PHP); this project's clients also send JSON. All of them are
read, and a body field wins over a query field of the same name.

The form parser is lenient: the Ruby gem leaves spaces, quotes, braces and
colons unescaped, so a raw space is a space and only ``&`` and ``=`` split.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from .errors import ApiError

__all__ = [
    "MAX_FORM_FIELDS",
    "gone_response",
    "parse_params",
    "query_params",
    "read_body",
]

MAX_FORM_FIELDS = 1000

# UTF-8 cannot encode a surrogate, so one can only arrive as a \uD800-style
# escape: without one in the body there is nothing to look for.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused with 413 as soon as it passes ``limit`` bytes.

    A declared ``Content-Length`` over the limit is refused before any of the
    body is read; a body without one is counted while it streams in.

    Raises:
        ApiError: 400 for a ``Content-Length`` that is not a number, 413 for a
            body over the limit.
        ClientDisconnect: the client left before the body was all sent;
            answer with :func:`gone_response`, and log no error.
    """
    # Limitation: a 413 answers in the format of the path or query string
    # only; a format field inside the refused body is never read.
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ApiError(400, f"Content-Length is not a number: {declared!r:.40}")
        if int(declared) > limit:
            raise ApiError(413, _too_large(limit, f"{int(declared)} bytes"))

    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise ApiError(413, _too_large(limit, f"more than {limit} bytes"))
        chunks.append(chunk)
    return b"".join(chunks)


def gone_response() -> Response:
    """The answer to a request whose client left mid-body: an empty 400.

    Nobody reads it (the server drops whatever is sent after a disconnect),
    but an endpoint still returns a response.
    """
    return Response(status_code=400)


def _too_large(limit: int, size: str) -> str:
    return f"request body is {size}; at most {limit} bytes are accepted"


def query_params(request: Request) -> dict[str, Any]:
    """The query string's fields; the last of a repeated name wins."""
    return _parse_form(request.scope.get("query_string", b""))


async def parse_params(request: Request, body: bytes) -> dict[str, Any]:
    """The query string's fields, overlaid with the body's."""
    params = query_params(request)
    if body.strip():
        params.update(await _parse_body(request, body))
    return params


async def _parse_body(request: Request, body: bytes) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    media = content_type.partition(";")[0].strip().lower()

    if media == "multipart/form-data":
        return await _parse_multipart(request, body)
    if media == "application/json" or media.endswith("+json"):
        return _parse_json(body)
    if not media and body.lstrip()[:1] == b"{":
        return _parse_json(body)
    return _parse_form(body)


def _parse_form(raw: bytes) -> dict[str, Any]:
    text = raw.decode("utf-8", "replace")
    pairs = parse_qsl(
        text,
        keep_blank_values=True,
        encoding="utf-8",
        errors="replace",
        max_num_fields=None,
    )
    if len(pairs) > MAX_FORM_FIELDS:
        raise ApiError(
            400, f"body has {len(pairs)} fields; at most {MAX_FORM_FIELDS} accepted"
        )
    return dict(pairs)


def _parse_json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "a JSON body must be an object of fields")
    if _SURROGATE_ESCAPE.search(body):
        _refuse_lone_surrogates(data)
    return data


def _refuse_lone_surrogates(value: Any) -> None:
    """JSON may escape half a surrogate pair; such text cannot be stored."""
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ApiError(
                    400, "body holds text with an unpaired surrogate escape"
                ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_lone_surrogates(key)
            _refuse_lone_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_lone_surrogates(item)


async def _parse_multipart(request: Request, body: bytes) -> dict[str, Any]:
    # The body is already read (and bounded): hand it to Starlette's parser
    # through a fresh request that replays it.
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return {"type": "http.disconnect"}
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(
            max_files=MAX_FORM_FIELDS, max_fields=MAX_FORM_FIELDS
        )
    except (MultiPartException, HTTPException) as exc:
        detail = getattr(exc, "message", None) or getattr(exc, "detail", "")
        raise ApiError(400, f"multipart body could not be read: {detail}") from None

    params: dict[str, Any] = {}
    try:
        for key, value in form.multi_items():
            if isinstance(value, str):
                params[key] = value
            else:
                params[key] = (await value.read()).decode("utf-8", "replace")
    finally:
        await form.close()
    return params
