"""The Jinja2 environment of the dashboard's pages, with autoescaping always on."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from .series import AGGREGATIONS

__all__ = ["STATIC_DIR", "TEMPLATE_DIR", "render_template", "short_time"]

PACKAGE_DIR = Path(__file__).parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATE_DIR = PACKAGE_DIR / "templates"

RANGE_LABELS = {
    "hour": "Last hour",
    "day": "Last day",
    "30d": "Last 30 days",
    "custom": "Custom",
}


@cache
def _environment() -> jinja2.Environment:
    # Autoescape everything, whatever the template's name: metric names, meta
    # and dashboard names come from API callers and must stay text.
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["json_text"] = _json_text
    environment.filters["when"] = short_time
    environment.globals.update(
        static=static_url,
        aggregations=AGGREGATIONS,
        range_labels=RANGE_LABELS,
    )
    return environment


@cache
def static_url(name: str) -> str:
    """The address of a static file, with a content hash to bust caches."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


def short_time(api_time: str | None) -> str:
    """``2026-12-03T19:58:48.318134Z`` as ``2026-12-03 19:58:48`` (UTC)."""
    if not api_time:
        return ""
    return api_time.replace("T", " ").rstrip("Z").partition(".")[0]


def _json_text(value: Any) -> str:
    # Plain text, not markup: autoescaping still applies where it is shown.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render_template(name: str, context: dict[str, Any]) -> str:
    """The named template rendered with ``context``."""
    return _environment().get_template(name).render(context)
