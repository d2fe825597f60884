"""The synchronous API client, for scripts and daily jobs.

Unlike the ``track()`` of web apps, every call here waits for the server and
returns what it stored, or raises a :class:`StatsMixError` saying why not.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from types import TracebackType
from typing import Any

import httpx

from ._api_fields import (
    Params,
    metric_fields,
    query,
    stat_address,
    stat_fields,
    when,
)
from ._records import Metric, StoredStat, read_list, read_one
from ._version import __version__
from .backends._wire import error_message
from .errors import StatsMixError, error_for_status
from .settings import Settings
from .stat import Number, Stat

__all__ = ["API", "Metric", "StoredStat"]


class API:
    """Calls the StatsMix API v2 one request at a time, as the original clients did.

    Settings not given come from the environment like the client's. ``ignore``
    makes :meth:`track` return None without a request; ``test_metric_name``
    renames what :meth:`track` sends. Neither touches the other methods: a
    script that reads or manages metrics means it. Requests ask for JSON.

    Args:
        url: the server's base address (``STATSMIX_URL``).
        api_key: the account's key (``STATSMIX_API_KEY``).
        timeout: seconds to wait for each answer.
        ignore: make :meth:`track` a no-op (``STATSMIX_IGNORE``).
        test_metric_name: send tracked stats under this name instead.
        profile_id: the profile of tracked stats that name none.

    Raises:
        ValueError: there is no API key and ``ignore`` is off.
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 10.0,
        ignore: bool | None = None,
        test_metric_name: str | None = None,
        profile_id: int | str | None = None,
    ) -> None:
        settings = Settings.resolve(
            url=url,
            api_key=api_key,
            ignore=ignore,
            test_metric_name=test_metric_name,
            profile_id=profile_id,
        )
        if settings.api_key is None and not settings.ignore:
            raise ValueError(
                "API needs an API key: pass api_key= or set STATSMIX_API_KEY"
            )

        self.url = settings.url
        self.ignore = settings.ignore
        self.test_metric_name = settings.test_metric_name
        self.profile_id = settings.profile_id
        self._http = httpx.Client(
            base_url=f"{settings.url}/api/v2/",
            headers={
                "X-StatsMix-Token": settings.api_key or "",
                "User-Agent": f"statsmix-middleware/{__version__}",
            },
            timeout=timeout,
        )

    def track(
        self,
        name: str,
        value: Number = 1,
        *,
        meta: Mapping[str, Any] | None = None,
        ref_id: str | int | None = None,
        generated_at: datetime | str | int | float | None = None,
        profile_id: int | str | None = None,
    ) -> StoredStat | None:
        """Record a stat under the metric ``name``, creating the metric if needed.

        Returns the stored stat, or None when ``ignore`` is on. A ``ref_id``
        already in the metric updates that stat instead.
        """
        stat = Stat(
            name,
            value,
            meta=meta,
            ref_id=ref_id,
            generated_at=generated_at,
            profile_id=self.profile_id if profile_id is None else profile_id,
        )
        if self.ignore:
            return None
        if self.test_metric_name:
            stat = stat.replace(name=self.test_metric_name)

        fields = stat_fields(stat.value, stat.meta, stat.ref_id, stat.generated_at)
        fields["name"] = stat.name
        if stat.profile_id is not None:
            fields["profile_id"] = str(stat.profile_id)
        return self._stat("POST", "track.json", data=fields)

    def list_metrics(
        self, *, profile_id: int | None = None, limit: int | None = None
    ) -> list[Metric]:
        """The account's metrics (the server's default limit is 50)."""
        params = query(profile_id=profile_id, limit=limit)
        body = self._request("GET", "metrics.json", params=params)
        return [
            Metric.from_fields(item) for item in read_list(body, "metrics", "metric")
        ]

    def get_metric(self, metric_id: int) -> Metric:
        """One metric by id; :class:`NotFoundError` when it is not the account's."""
        return self._metric("GET", f"metrics/{int(metric_id)}.json")

    def create_metric(
        self,
        name: str,
        *,
        profile_id: int | None = None,
        sharing: bool | str | None = None,
        include_in_email: bool | None = None,
    ) -> Metric:
        """A new metric; ``sharing`` is ``"public"``/``"none"`` or a bool."""
        fields = metric_fields(name, profile_id, sharing, include_in_email)
        return self._metric("POST", "metrics.json", data=fields)

    def update_metric(
        self,
        metric_id: int,
        *,
        name: str | None = None,
        profile_id: int | None = None,
        sharing: bool | str | None = None,
        include_in_email: bool | None = None,
    ) -> Metric:
        """Change the given fields of a metric; the others stay as they are."""
        fields = metric_fields(name, profile_id, sharing, include_in_email)
        return self._metric("PUT", f"metrics/{int(metric_id)}.json", data=fields)

    def delete_metric(self, metric_id: int) -> Metric:
        """Delete a metric and its stats; returns the metric as it was."""
        return self._metric("DELETE", f"metrics/{int(metric_id)}.json")

    def list_stats(
        self,
        metric_id: int,
        *,
        limit: int | None = None,
        start_date: date | datetime | str | None = None,
        end_date: date | datetime | str | None = None,
    ) -> list[StoredStat]:
        """A metric's stats, optionally between two times (UTC when naive)."""
        params = query(
            metric_id=metric_id,
            limit=limit,
            start_date=when(start_date, "start_date"),
            end_date=when(end_date, "end_date"),
        )
        body = self._request("GET", "stats.json", params=params)
        return [
            StoredStat.from_fields(item) for item in read_list(body, "stats", "stat")
        ]

    def get_stat(
        self,
        stat_id: int | None = None,
        *,
        metric_id: int | None = None,
        ref_id: str | None = None,
    ) -> StoredStat:
        """One stat, by ``stat_id`` or by ``ref_id`` with ``metric_id``."""
        path, params = stat_address("get_stat", stat_id, metric_id, ref_id)
        return self._stat("GET", path, params=params)

    def create_stat(
        self,
        metric_id: int,
        value: Number = 1,
        *,
        meta: Mapping[str, Any] | None = None,
        ref_id: str | int | None = None,
        generated_at: datetime | str | int | float | None = None,
    ) -> StoredStat:
        """A new stat in the metric ``metric_id`` (an update if ``ref_id`` exists)."""
        fields = stat_fields(value, meta, ref_id, generated_at)
        fields["metric_id"] = str(int(metric_id))
        return self._stat("POST", "stats.json", data=fields)

    def update_stat(
        self,
        stat_id: int | None = None,
        *,
        metric_id: int | None = None,
        ref_id: str | None = None,
        value: Number | None = None,
        meta: Mapping[str, Any] | None = None,
        generated_at: datetime | str | int | float | None = None,
    ) -> StoredStat:
        """Change a stat, found by ``stat_id`` or by ``ref_id`` with ``metric_id``."""
        path, params = stat_address("update_stat", stat_id, metric_id, ref_id)
        fields = stat_fields(value, meta, None, generated_at)
        return self._stat("PUT", path, params=params, data=fields)

    def delete_stat(
        self,
        stat_id: int | None = None,
        *,
        metric_id: int | None = None,
        ref_id: str | None = None,
    ) -> StoredStat:
        """Delete a stat; returns it as it was."""
        path, params = stat_address("delete_stat", stat_id, metric_id, ref_id)
        return self._stat("DELETE", path, params=params)

    def close(self) -> None:
        """Close the kept-alive connection."""
        self._http.close()

    def __enter__(self) -> API:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _metric(self, method: str, path: str, **kwargs: Any) -> Metric:
        return Metric.from_fields(
            read_one(self._request(method, path, **kwargs), "metric")
        )

    def _stat(self, method: str, path: str, **kwargs: Any) -> StoredStat:
        body = self._request(method, path, **kwargs)
        return StoredStat.from_fields(read_one(body, "stat"))

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        data: Params | None = None,
    ) -> Any:
        try:
            response = self._http.request(method, path, params=params, data=data)
        except httpx.HTTPError as exc:
            raise StatsMixError(f"no answer from {self.url}: {exc}") from exc

        if not 200 <= response.status_code < 300:
            raise error_for_status(response.status_code, error_message(response))
        try:
            return response.json()
        except ValueError:
            raise StatsMixError(
                "the answer is not JSON", response.status_code
            ) from None
