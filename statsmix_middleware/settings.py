"""Settings from arguments first, then the ``STATSMIX_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from .stat import validate_profile_id

__all__ = ["DEFAULT_URL", "Settings", "parse_bool", "split_api_key_from_url"]

DEFAULT_URL = "http://127.0.0.1:8765"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    """What a client needs to know, each field resolved once.

    ``url`` is the server's base address, without ``/api/v2``. A Heroku-style
    ``STATSMIX_URL`` ending in ``/api_key/<KEY>`` yields both the base address
    and the key; an explicit key wins over the one in the address.
    """

    api_key: str | None = None
    url: str = DEFAULT_URL
    ignore: bool = False
    test_metric_name: str | None = None
    profile_id: int | None = None

    @classmethod
    def resolve(
        cls,
        *,
        api_key: str | None = None,
        url: str | None = None,
        ignore: bool | None = None,
        test_metric_name: str | None = None,
        profile_id: int | str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Fill every setting not given from ``environ`` (``os.environ``)."""
        env = os.environ if environ is None else environ

        raw_url = url if url is not None else env.get("STATSMIX_URL") or DEFAULT_URL
        base_url, key_in_url = split_api_key_from_url(raw_url)
        if api_key is None:
            api_key = env.get("STATSMIX_API_KEY") or key_in_url

        if ignore is None:
            ignore = parse_bool(env.get("STATSMIX_IGNORE", ""), "STATSMIX_IGNORE")
        if test_metric_name is None:
            test_metric_name = env.get("STATSMIX_TEST_METRIC_NAME") or None
        if profile_id is None:
            profile_id = env.get("STATSMIX_PROFILE_ID") or None

        return cls(
            api_key=api_key or None,
            url=base_url,
            ignore=ignore,
            test_metric_name=test_metric_name,
            profile_id=None if profile_id is None else validate_profile_id(profile_id),
        )


def parse_bool(text: str, field: str) -> bool:
    """Read an environment flag; anything unclear is an error naming it."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{field} must be one of 1/0, true/false, yes/no, on/off")


def split_api_key_from_url(url: str) -> tuple[str, str | None]:
    """Split ``https://host/api_key/KEY`` into ``("https://host", "KEY")``."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(f"STATSMIX_URL must be an absolute http(s) URL, not {url!r}")

    segments = [segment for segment in parts.path.split("/") if segment]
    key = None
    if len(segments) >= 2 and segments[-2] == "api_key":
        key = segments[-1]
        segments = segments[:-2]

    path = "/".join(segments)
    base = urlunsplit((parts.scheme, parts.netloc, f"/{path}" if path else "", "", ""))
    return base, key
