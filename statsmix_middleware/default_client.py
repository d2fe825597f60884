"""The process-wide default client behind the module-level ``track()``."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .backends.base import Backend
from .client import Client
from .stat import Number

__all__ = ["close", "configure", "flush", "get_client", "set_client", "track"]

_client: Client | None = None
_lock = threading.Lock()


def get_client() -> Client:
    """The default client, made from the environment on first use."""
    client = _client
    if client is None:
        with _lock:
            if _client is None:
                set_client(Client())
            client = _client
    assert client is not None
    return client


def configure(
    *,
    backend: Backend | None = None,
    api_key: str | None = None,
    url: str | None = None,
    ignore: bool | None = None,
    test_metric_name: str | None = None,
    profile_id: int | str | None = None,
) -> Client:
    """Replace the default client with one built from these settings.

    The client it replaces is closed, which flushes it with its own bound.
    """
    client = Client(
        backend=backend,
        api_key=api_key,
        url=url,
        ignore=ignore,
        test_metric_name=test_metric_name,
        profile_id=profile_id,
    )
    previous = set_client(client)
    if previous is not None:
        previous.close()
    return client


def set_client(client: Client | None) -> Client | None:
    """Install ``client`` as the default without closing the previous one.

    Returns the previous default, so that a test can put it back.
    """
    global _client
    previous, _client = _client, client
    return previous


def track(
    name: str,
    value: Number = 1,
    *,
    meta: Mapping[str, Any] | None = None,
    ref_id: str | int | None = None,
    generated_at: datetime | str | int | float | None = None,
    profile_id: int | str | None = None,
) -> None:
    """Record ``value`` under the metric ``name`` through the default client.

    See :meth:`Client.track`; bad input raises, nothing else ever does.
    """
    get_client().track(
        name,
        value,
        meta=meta,
        ref_id=ref_id,
        generated_at=generated_at,
        profile_id=profile_id,
    )


def flush(timeout: float | None = None) -> bool:
    """Flush the default client; True when everything was delivered."""
    return get_client().flush(timeout)


def close() -> None:
    """Close the default client; the next ``track()`` makes a new one."""
    previous = set_client(None)
    if previous is not None:
        previous.close()
