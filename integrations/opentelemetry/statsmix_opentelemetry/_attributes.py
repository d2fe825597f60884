"""The bounded map from span attributes to stat meta.

Only attributes with few distinct values become meta: the route template,
the method, the status code and the error's type. Paths, URLs, ids and
addresses have one value per request and would make every stat its own
series, so they are left out unless a user maps them on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.trace import StatusCode

from statsmix_middleware.stat import (
    MAX_META_KEY_LENGTH,
    MAX_META_KEYS,
    MAX_META_VALUE_LENGTH,
)

from ._spans import EndedSpan

__all__ = ["DEFAULT_ATTRIBUTES", "MetaMap", "error_name", "meta_value"]

#: Span attribute -> meta key. When two attributes feed one key, the first
#: present wins, so the stable semantic-convention names come before the old.
DEFAULT_ATTRIBUTES: Mapping[str, str] = {
    "http.route": "route",
    "http.request.method": "method",
    "http.method": "method",
    "http.response.status_code": "status",
    "http.status_code": "status",
}

_EXCEPTION_EVENT = "exception"
_EXCEPTION_TYPE = "exception.type"
_ERROR_TYPE = "error.type"


class MetaMap:
    """Reads a span's meta: the default attributes plus those a user adds.

    Args:
        extra: more span attributes to copy, mapped to their meta key. An
            entry for a default attribute replaces its key.

    Raises:
        TypeError: ``extra`` is not a mapping of strings to strings.
        ValueError: a meta key is empty or too long, or there are too many.
    """

    __slots__ = ("_table",)

    def __init__(self, extra: Mapping[str, str] | None = None) -> None:
        merged = dict(DEFAULT_ATTRIBUTES)
        if extra is not None:
            merged.update(_checked(extra))

        keys = set(merged.values()) | {"error"}
        if len(keys) > MAX_META_KEYS:
            raise ValueError(
                f"attributes map to {len(keys)} meta keys; "
                f"at most {MAX_META_KEYS} allowed"
            )
        # attribute -> (rank, meta key): a lower rank wins a shared key.
        self._table = {
            attribute: (rank, key)
            for rank, (attribute, key) in enumerate(merged.items())
        }

    def read(self, attributes: Mapping[str, Any]) -> dict[str, str]:
        """The meta of a span with these attributes, values as strings."""
        # One pass over the span's attributes: looking up each wanted one
        # instead costs a KeyError inside the SDK's mapping for every miss.
        table = self._table
        chosen: dict[str, tuple[int, str]] = {}
        for attribute in attributes:
            entry = table.get(attribute)
            if entry is None:
                continue
            rank, key = entry
            held = chosen.get(key)
            if held is None or rank < held[0]:
                chosen[key] = (rank, attribute)

        meta: dict[str, str] = {}
        for key, (_, attribute) in chosen.items():
            value = attributes[attribute]
            if value is not None:
                meta[key] = meta_value(value)
        return meta


def error_name(span: EndedSpan, attributes: Mapping[str, Any]) -> str | None:
    """The class name of the error a failed span ended with, if it says.

    Only a span whose status is ``ERROR`` failed; an exception recorded on
    any other span was handled. The last exception recorded is the one that
    escaped; without one, ``error.type`` is used unless it is a bare status
    code, which ``status`` already carries. Dotted names keep their last
    part, so ``builtins.KeyError`` and ``KeyError`` are the same error.
    """
    if span.status.status_code is not StatusCode.ERROR:
        return None

    # Limitation: opentelemetry-instrumentation-asgi ends a server span when
    # the response is complete, before an exception of the app gets to it, so
    # such a span has status ERROR (a 500) but records neither the exception
    # nor error.type: its stat has no "error". An exception handler that
    # records it on the span (see examples/otel_app.py) gives it back.

    for event in reversed(span.events):
        if event.name == _EXCEPTION_EVENT and event.attributes:
            exception_type = event.attributes.get(_EXCEPTION_TYPE)
            if exception_type:
                return _class_name(str(exception_type))

    error_type = attributes.get(_ERROR_TYPE)
    if error_type is None:
        return None
    error_type = str(error_type)
    if not error_type or error_type.isdigit():
        return None
    return _class_name(error_type)


def meta_value(value: object) -> str:
    """An attribute value as a meta string, cut to the longest meta value."""
    if type(value) is str:
        return value[:MAX_META_VALUE_LENGTH]
    if type(value) is int:
        return str(value)

    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, Sequence):
        text = ",".join(meta_value(item) for item in value)
    else:
        text = str(value)
    return text[:MAX_META_VALUE_LENGTH]


def _class_name(qualified: str) -> str:
    return qualified.rpartition(".")[2][:MAX_META_VALUE_LENGTH] or qualified


def _checked(extra: Mapping[str, str]) -> Mapping[str, str]:
    if not isinstance(extra, Mapping):
        raise TypeError(
            f"attributes must be a mapping of attribute to meta key, "
            f"not {type(extra).__name__}"
        )

    for attribute, key in extra.items():
        if not isinstance(attribute, str) or not isinstance(key, str):
            raise TypeError(
                f"attributes must map strings to strings, not "
                f"{type(attribute).__name__} to {type(key).__name__}"
            )
        if not attribute or not key:
            raise ValueError("attributes must not map from or to an empty string")
        if len(key) > MAX_META_KEY_LENGTH:
            raise ValueError(
                f"attributes[{attribute!r}] is longer than "
                f"{MAX_META_KEY_LENGTH} characters"
            )
    return extra
