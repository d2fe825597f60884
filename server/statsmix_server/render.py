"""Answers in the two formats: Rails-style XML and the matching JSON.

A record is an ordered list of fields, each with the Rails type that XML
shows as ``type="..."``. In XML tags are dashed (``metric-id``) and a null is
``nil="true"``; in JSON keys keep their underscores, a single object sits
under its name (``{"stat": {...}}``) and a list under its plural and then its
singular (``{"stats": {"stat": [...]}}``). Errors are
``<errors><error>message</error></errors>`` and
``{"errors": {"error": "message"}}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

from starlette.responses import Response

from .errors import ApiError
from .values import compact_json

__all__ = [
    "Field",
    "Format",
    "Record",
    "format_from_path",
    "json_response",
    "json_text_response",
    "render_error",
    "render_list",
    "render_one",
    "requested_format",
]

Format = Literal["xml", "json"]


class Field(NamedTuple):
    """One field of an answer; ``kind`` is its Rails XML type, if any."""

    name: str
    value: Any
    kind: str | None = None


Record = Sequence[Field]

_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry at all, not even as references.
# Limitation: an XML answer shows them as U+FFFD; the stored text and the
# JSON answer keep them, as XML 1.0 has no way to write them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def format_from_path(path: str) -> Format | None:
    """The format a ``.xml`` or ``.json`` suffix asks for, if any."""
    if path.endswith(".json"):
        return "json"
    if path.endswith(".xml"):
        return "xml"
    return None


def requested_format(path: str, params: Mapping[str, Any]) -> Format:
    """The path suffix, else the ``format`` parameter, else XML.

    Raises:
        ApiError: 422 for a ``format`` other than xml or json.
    """
    suffix = format_from_path(path)
    if suffix is not None:
        return suffix

    asked = params.get("format")
    if asked is None or asked == "":
        return "xml"
    if isinstance(asked, str) and asked.strip().lower() in ("xml", "json"):
        return "json" if asked.strip().lower() == "json" else "xml"
    raise ApiError(422, f"format must be xml or json, not {asked!r:.40}")


def render_one(tag: str, record: Record, fmt: Format) -> Response:
    """One object: ``<stat>...</stat>`` or ``{"stat": {...}}``."""
    if fmt == "json":
        return json_response({tag: _json_object(record)})
    return _xml_response(_xml_object(tag, record, ""))


def render_list(
    plural: str, tag: str, records: Sequence[Record], fmt: Format
) -> Response:
    """A list: ``<stats type="array"><stat>...`` or ``{"stats": {"stat": [...]}}``."""
    if fmt == "json":
        return json_response({plural: {tag: [_json_object(r) for r in records]}})

    name = _xml_tag(plural)
    if not records:
        return _xml_response(f'<{name} type="array"/>\n')
    inner = "".join(_xml_object(tag, record, "  ") for record in records)
    return _xml_response(f'<{name} type="array">\n{inner}</{name}>\n')


def render_error(error: ApiError, fmt: Format) -> Response:
    """An error body in the requested format, with the error's status."""
    if fmt == "json":
        return json_response({"errors": {"error": error.message}}, error.status)
    body = f"<errors>\n  <error>{_xml_text(error.message)}</error>\n</errors>\n"
    return _xml_response(body, error.status)


def json_response(content: Any, status: int = 200) -> Response:
    """Compact UTF-8 JSON."""
    return json_text_response(compact_json(content), status)


def json_text_response(body: str, status: int = 200) -> Response:
    """An answer whose JSON text is already written (:func:`compact_json`)."""
    return Response(body, status, media_type="application/json; charset=utf-8")


def _json_object(record: Record) -> dict[str, Any]:
    return {field.name: field.value for field in record}


def _xml_response(body: str, status: int = 200) -> Response:
    return Response(
        _XML_DECLARATION + body,
        status,
        media_type="application/xml; charset=utf-8",
    )


def _xml_object(tag: str, record: Record, indent: str) -> str:
    name = _xml_tag(tag)
    lines = [f"{indent}<{name}>\n"]
    for field in record:
        lines.append(f"{indent}  {_xml_field(field)}\n")
    lines.append(f"{indent}</{name}>\n")
    return "".join(lines)


def _xml_field(field: Field) -> str:
    name = _xml_tag(field.name)
    if field.value is None:
        kind = f' type="{field.kind}"' if field.kind else ""
        return f'<{name}{kind} nil="true"/>'
    kind = f' type="{field.kind}"' if field.kind else ""
    return f"<{name}{kind}>{_xml_text(str(field.value))}</{name}>"


def _xml_tag(name: str) -> str:
    return name.replace("_", "-")


def _xml_text(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A raw carriage return would come back as a newline from any XML parser.
    escaped = escaped.replace("\r", "&#13;")
    return _NOT_XML.sub("\ufffd", escaped)
