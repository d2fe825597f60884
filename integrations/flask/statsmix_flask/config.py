"""Read the ``STATSMIX_*`` keys of a Flask app's config into a client and options."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from statsmix_middleware import Client
from statsmix_middleware.settings import parse_bool
from statsmix_middleware.stat import validate_name, validate_profile_id

__all__ = ["CLIENT_KEYS", "app_client", "exclude_paths"]

_T = TypeVar("_T")

#: The config keys that choose where an app's stats go and how they are sent.
CLIENT_KEYS = (
    "STATSMIX_API_KEY",
    "STATSMIX_URL",
    "STATSMIX_IGNORE",
    "STATSMIX_TEST_METRIC_NAME",
    "STATSMIX_PROFILE_ID",
)


def app_client(config: Mapping[str, Any], client: Client | None) -> Client | None:
    """The client an app's stats go through, or None for the default client.

    Keys set in ``config`` win over the environment. With no key set, the
    given client (or the default one, looked up on every request) is used as
    it is. With some set, the app gets a client of its own, so that the given
    client stays unchanged for everyone else:

    - ``STATSMIX_API_KEY`` or ``STATSMIX_URL`` set: a new client sending to
      that server with that key; what is missing comes from the given client,
      else from the environment.
    - only ``STATSMIX_IGNORE``, ``STATSMIX_TEST_METRIC_NAME`` or
      ``STATSMIX_PROFILE_ID`` set: a client sharing the given client's
      backend, with those settings changed and the others copied from it.
    """
    given = {key: config[key] for key in CLIENT_KEYS if config.get(key) is not None}
    if not given:
        return client

    ignore = _flag(given, "STATSMIX_IGNORE")
    test_metric_name = _text(given, "STATSMIX_TEST_METRIC_NAME")
    if test_metric_name:
        _checked("STATSMIX_TEST_METRIC_NAME", validate_name, test_metric_name)
    raw_profile_id = given.get("STATSMIX_PROFILE_ID")
    profile_id = None
    if raw_profile_id is not None:
        profile_id = _checked(
            "STATSMIX_PROFILE_ID", validate_profile_id, raw_profile_id
        )

    api_key = _text(given, "STATSMIX_API_KEY")
    url = _text(given, "STATSMIX_URL")
    if client is None or api_key is not None or url is not None:
        inherited = client.settings if client is not None else None
        own = Client(
            api_key=api_key or (inherited.api_key if inherited else None),
            url=url or (inherited.url if inherited else None),
            ignore=ignore,
            test_metric_name=test_metric_name,
            profile_id=profile_id,
        )
    else:
        own = Client(
            backend=client.backend,
            ignore=bool(ignore),
            test_metric_name=test_metric_name or "",
            profile_id=profile_id,
        )

    if client is not None:
        _inherit_unset(own, client, ignore, test_metric_name, profile_id)
    return own


def _inherit_unset(
    own: Client,
    client: Client,
    ignore: bool | None,
    test_metric_name: str | None,
    profile_id: int | None,
) -> None:
    """Copy onto ``own`` the given client's settings the config left unset."""
    own.ignore = client.ignore if ignore is None else ignore
    if test_metric_name is None:
        own.test_metric_name = client.test_metric_name
    if profile_id is None:
        own.profile_id = client.profile_id


def exclude_paths(config: Mapping[str, Any]) -> list[str]:
    """``STATSMIX_EXCLUDE_PATHS``: a list of paths, or one comma-separated string."""
    value = config.get("STATSMIX_EXCLUDE_PATHS")
    if value is None:
        return []
    if isinstance(value, str):
        return [path.strip() for path in value.split(",") if path.strip()]
    if isinstance(value, (list, tuple, set, frozenset)) and all(
        isinstance(path, str) for path in value
    ):
        return list(value)
    raise TypeError(
        "STATSMIX_EXCLUDE_PATHS must be a list of paths or a comma-separated "
        f"string, not {type(value).__name__}"
    )


def _checked(key: str, check: Callable[[Any], _T], value: object) -> _T:
    """``check(value)``, its error prefixed with the config key it came from."""
    try:
        return check(value)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{key}: {error}") from None


def _flag(given: Mapping[str, Any], key: str) -> bool | None:
    value = given.get(key)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (str, int)):
        return parse_bool(str(value), key)
    raise TypeError(f"{key} must be a bool or a string, not {type(value).__name__}")


def _text(given: Mapping[str, Any], key: str) -> str | None:
    value = given.get(key)
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{key} must be a string, not {type(value).__name__}")
