"""Every class of bad input to ``track()``, shared by the stat and client tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from statsmix_middleware.stat import (
    MAX_META_KEY_LENGTH,
    MAX_META_KEYS,
    MAX_META_VALUE_LENGTH,
)

BAD_INPUT: list[tuple[dict[str, Any], type[Exception], str]] = [
    # (kwargs, exception, field named in the message)
    ({"name": None}, TypeError, "name"),
    ({"name": 12}, TypeError, "name"),
    ({"name": ""}, ValueError, "name"),
    ({"name": "   "}, ValueError, "name"),
    ({"name": "x" * 256}, ValueError, "name"),
    ({"value": "12"}, TypeError, "value"),
    ({"value": True}, TypeError, "value"),
    ({"value": None}, TypeError, "value"),
    ({"value": float("nan")}, ValueError, "value"),
    ({"value": float("inf")}, ValueError, "value"),
    ({"value": Decimal("NaN")}, ValueError, "value"),
    ({"value": Decimal("-Infinity")}, ValueError, "value"),
    ({"value": Decimal("1E+11")}, ValueError, "value"),
    ({"value": 100_000_000_000}, ValueError, "value"),
    ({"value": -100_000_000_000.0}, ValueError, "value"),
    ({"value": 10**400}, ValueError, "value"),
    ({"meta": "file=pdf"}, TypeError, "meta"),
    ({"meta": [("a", "b")]}, TypeError, "meta"),
    ({"meta": {1: "a"}}, TypeError, "meta"),
    ({"meta": {"": "a"}}, ValueError, "meta"),
    ({"meta": {"k" * (MAX_META_KEY_LENGTH + 1): "a"}}, ValueError, "meta"),
    ({"meta": {"a": None}}, TypeError, "meta"),
    ({"meta": {"a": ["list"]}}, TypeError, "meta"),
    ({"meta": {"a": {"nested": 1}}}, TypeError, "meta"),
    ({"meta": {"a": float("nan")}}, ValueError, "meta"),
    ({"meta": {"a": "v" * (MAX_META_VALUE_LENGTH + 1)}}, ValueError, "meta"),
    ({"meta": {f"k{i}": i for i in range(MAX_META_KEYS + 1)}}, ValueError, "meta"),
    ({"ref_id": 1.5}, TypeError, "ref_id"),
    ({"ref_id": True}, TypeError, "ref_id"),
    ({"ref_id": ""}, ValueError, "ref_id"),
    ({"ref_id": "r" * 256}, ValueError, "ref_id"),
    ({"generated_at": [2012]}, TypeError, "generated_at"),
    ({"generated_at": True}, TypeError, "generated_at"),
    ({"generated_at": "yesterday"}, ValueError, "generated_at"),
    ({"generated_at": "2012-13-45"}, ValueError, "generated_at"),
    ({"generated_at": float("inf")}, ValueError, "generated_at"),
    ({"generated_at": -1}, ValueError, "generated_at"),
    ({"generated_at": Decimal("1350681200")}, TypeError, "generated_at"),
    ({"profile_id": 1.0}, TypeError, "profile_id"),
    ({"profile_id": True}, TypeError, "profile_id"),
    ({"profile_id": "12a"}, ValueError, "profile_id"),
    ({"profile_id": 0}, ValueError, "profile_id"),
]
