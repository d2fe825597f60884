"""The requests the HTTP backend makes, and what it reads from the answers."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._packed import Packed, as_fields, generated_at_of, meta_of
from ._retry import parse_retry_after

__all__ = ["Answer", "error_message", "post_batch", "post_track"]

BATCH_PATH = "batch.json"
TRACK_PATH = "track.json"

_XML_ERROR = re.compile(r"<error>([^<]*)</error>")
_ENCODE_SLICE = 50
# Only each item's status is read, so the stored stats need not come back
# (RFC 7240; a server that does not know the preference ignores it).
_BATCH_HEADERS = {"Content-Type": "application/json", "Prefer": "return=minimal"}
_ENCODE_PAUSE = 20e-6
_encode = json.JSONEncoder(separators=(",", ":")).encode


@dataclass
class Answer:
    """What the server said about each stat of one request, in order.

    ``statuses[i]`` is the HTTP status for stat ``i``: the item's own status
    in a batch answer, the response's otherwise, and 0 when no answer came.
    """

    statuses: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    retry_after: float | None = None
    no_batch_route: bool = False

    @classmethod
    def whole(cls, count: int, status: int, message: str) -> Answer:
        """The same status and message for all ``count`` stats."""
        return cls([status] * count, [message] * count)


def post_batch(client: httpx.Client, stats: list[Packed]) -> Answer:
    """Send ``stats`` in one ``batch.json`` request.

    A batch the server finds too large (413) is split in halves and sent
    again, so one oversized request never costs the stats inside it. A stat
    that cannot be written as JSON is refused here, as the server would refuse
    it (422), and the others go on without it.
    """
    parts, unwritable = _encoded(stats)
    if unwritable:
        return _without_unwritable(client, stats, unwritable)

    try:
        response = client.post(
            BATCH_PATH,
            content=b'{"stats":[' + ",".join(parts).encode() + b"]}",
            headers=_BATCH_HEADERS,
        )
    except httpx.HTTPError as exc:
        return Answer.whole(len(stats), 0, _describe(exc))

    status = response.status_code
    if status == 404:
        return Answer(no_batch_route=True)
    if status == 413 and len(stats) > 1:
        return _split(client, stats)
    if not 200 <= status < 300:
        answer = Answer.whole(len(stats), status, error_message(response))
        answer.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return answer

    return _read_results(response, len(stats))


def post_track(client: httpx.Client, stat: Packed) -> Answer:
    """Send one stat to ``track.json`` as form fields, as every server reads them."""
    name, value, ref_id, _, profile_id = stat[:5]
    fields = {
        "name": name,
        "value": str(value),
        "generated_at": generated_at_of(stat).isoformat(),
    }
    meta = meta_of(stat)
    if meta:
        try:
            fields["meta"] = _encode(meta)
        except ValueError as exc:
            return Answer.whole(1, 422, f"the stat cannot be written as JSON: {exc}")
    if ref_id is not None:
        fields["ref_id"] = ref_id
    if profile_id is not None:
        fields["profile_id"] = str(profile_id)

    try:
        response = client.post(TRACK_PATH, data=fields)
    except httpx.HTTPError as exc:
        return Answer.whole(1, 0, _describe(exc))

    status = response.status_code
    message = "" if 200 <= status < 300 else error_message(response)
    answer = Answer.whole(1, status, message)
    answer.retry_after = parse_retry_after(response.headers.get("Retry-After"))
    return answer


def _encoded(stats: list[Packed]) -> tuple[list[str], dict[int, str]]:
    """The batch's items as JSON, a slice at a time, and what could not be.

    Writing a large batch in one go holds the GIL for milliseconds, and an app
    thread that wants it meanwhile waits that long inside its ``track()``. A
    short sleep between slices lets such a thread in, so it waits for one
    slice at most. (``time.sleep(0)`` would not: the GIL is back with this
    thread before a waiting one has even woken up.) A slice that fails is
    written again stat by stat, to find the one at fault.
    """
    parts: list[str] = []
    unwritable: dict[int, str] = {}
    for start in range(0, len(stats), _ENCODE_SLICE):
        if start:
            time.sleep(_ENCODE_PAUSE)
        items = [as_fields(stat) for stat in stats[start : start + _ENCODE_SLICE]]
        try:
            parts.append(_encode(items)[1:-1])
        except ValueError:
            for index, item in enumerate(items, start):
                try:
                    parts.append(_encode(item))
                except ValueError as exc:
                    unwritable[index] = f"the stat cannot be written as JSON: {exc}"
    return parts, unwritable


def _without_unwritable(
    client: httpx.Client, stats: list[Packed], unwritable: dict[int, str]
) -> Answer:
    """Refuse the stats that cannot be written; send the rest on their own."""
    answer = Answer.whole(len(stats), 422, "")
    for index, message in unwritable.items():
        answer.messages[index] = message

    rest = [index for index in range(len(stats)) if index not in unwritable]
    if not rest:
        return answer
    sent = post_batch(client, [stats[index] for index in rest])
    if sent.no_batch_route:
        return sent
    for index, status, message in zip(rest, sent.statuses, sent.messages, strict=True):
        answer.statuses[index], answer.messages[index] = status, message
    answer.retry_after = sent.retry_after
    return answer


def error_message(response: httpx.Response) -> str:
    """The server's explanation: ``errors.error`` in JSON, ``<error>`` in XML."""
    try:
        message = _error_in(response.json())
    except ValueError:
        match = _XML_ERROR.search(response.text)
        message = match.group(1).strip() if match else None
    if message:
        return message
    return response.reason_phrase or f"HTTP {response.status_code}"


def _split(client: httpx.Client, stats: list[Packed]) -> Answer:
    middle = len(stats) // 2
    first = post_batch(client, stats[:middle])
    if first.no_batch_route:
        return first
    second = post_batch(client, stats[middle:])
    if second.no_batch_route:
        return second

    retry_after = max(first.retry_after or 0.0, second.retry_after or 0.0)
    return Answer(
        first.statuses + second.statuses,
        first.messages + second.messages,
        retry_after or None,
    )


def _read_results(response: httpx.Response, count: int) -> Answer:
    """Per-item statuses from a 2xx batch answer.

    The server accepted the request, so an item it says nothing about (an
    answer in an unexpected shape) is taken as stored.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    results = body.get("results") if isinstance(body, dict) else body
    if isinstance(results, dict):
        results = [results]
    if not isinstance(results, list):
        results = []

    answer = Answer.whole(count, response.status_code, "")
    for index, item in enumerate(results[:count]):
        if isinstance(item, dict):
            answer.statuses[index], answer.messages[index] = _item_status(item)
    return answer


def _item_status(item: dict[str, Any]) -> tuple[int, str]:
    message = _error_in(item) or ""
    status = item.get("status")
    if isinstance(status, int) and not isinstance(status, bool):
        return status, message
    return (422, message) if message else (200, "")


def _error_in(body: object) -> str | None:
    if not isinstance(body, dict):
        return None
    errors = body.get("errors", body.get("error"))
    if isinstance(errors, dict):
        errors = errors.get("error")
    if isinstance(errors, list):
        errors = "; ".join(str(error) for error in errors)
    return errors if isinstance(errors, str) else None


def _describe(exc: Exception) -> str:
    detail = str(exc)
    name = type(exc).__name__
    return f"{name}: {detail}" if detail else name
