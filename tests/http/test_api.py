"""The synchronous API client: every method against a real statsmix-server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from statsmix_middleware import (
    API,
    AuthenticationError,
    ForbiddenError,
    Metric,
    NotFoundError,
    PlanLimitError,
    StatsMixError,
    StoredStat,
    ValidationError,
)
from tests.http.stub_server import StubServer, free_port
from tests.live_server import LiveServer


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[API]:
    with API(
        live_server.url, live_server.api_key, ignore=False, test_metric_name=""
    ) as client:
        yield client


def test_track_stores_and_returns_the_stat(api: API) -> None:
    moment = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)

    stored = api.track(
        "Revenue", 19.99, meta={"plan": "gold"}, ref_id="day-1", generated_at=moment
    )

    assert isinstance(stored, StoredStat)
    assert stored.value == Decimal("19.99")
    assert stored.meta == {"plan": "gold"}
    assert stored.ref_id == "day-1"
    assert stored.generated_at == moment
    assert stored.id > 0 and stored.metric_id is not None


def test_track_with_the_same_ref_id_updates(api: API) -> None:
    first = api.track("Daily Users", 10, ref_id="2026-12-03")
    second = api.track("Daily Users", 12, ref_id="2026-12-03")

    assert first is not None and second is not None
    assert second.id == first.id
    assert second.value == 12


def test_ignore_returns_none_without_any_request() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with API(closed, "key", ignore=True, test_metric_name="Staging") as api:
        assert api.track("Signups") is None


def test_test_metric_name_renames_tracked_stats(live_server: LiveServer) -> None:
    with API(
        live_server.url, live_server.api_key, ignore=False, test_metric_name="Staging"
    ) as api:
        stored = api.track("Signups", 3)
        assert stored is not None
        metric = api.get_metric(stored.metric_id or 0)

    assert metric.name == "Staging"


def test_metric_lifecycle(api: API) -> None:
    created = api.create_metric("File Uploads", sharing=True, include_in_email=False)
    assert isinstance(created, Metric)
    assert (created.name, created.sharing, created.include_in_email) == (
        "File Uploads",
        "public",
        False,
    )
    assert created.url is not None and created.profile_id is not None

    assert api.get_metric(created.id) == created
    assert [metric.name for metric in api.list_metrics()] == ["File Uploads"]
    assert api.list_metrics(profile_id=created.profile_id, limit=1)[0].id == created.id

    updated = api.update_metric(created.id, name="Uploads", sharing="none")
    assert (updated.name, updated.sharing, updated.url) == ("Uploads", "none", None)

    deleted = api.delete_metric(created.id)
    assert deleted.id == created.id
    assert api.list_metrics() == []
    with pytest.raises(NotFoundError):
        api.get_metric(created.id)


def test_profile_id_reaches_the_server(api: API) -> None:
    profile_id = api.create_metric("Profiled").profile_id
    assert profile_id is not None

    stored = api.track("Profiled", 2, profile_id=profile_id)
    assert stored is not None
    assert api.get_metric(stored.metric_id or 0).profile_id == profile_id
    assert api.create_metric("Elsewhere", profile_id=profile_id).profile_id == (
        profile_id
    )

    with pytest.raises(NotFoundError, match="profile 999999"):
        api.track("Profiled", profile_id=999_999)
    with pytest.raises(NotFoundError, match="profile 999999"):
        api.create_metric("Nowhere", profile_id=999_999)


def test_stat_lifecycle_by_id_and_by_ref_id(api: API) -> None:
    metric = api.create_metric("Orders")

    first = api.create_stat(metric.id, 5, meta={"shop": "eu"}, ref_id="order-1")
    second = api.create_stat(metric.id, 7, generated_at="2026-12-01 08:00:00")
    assert first.value == 5
    assert (first.meta, first.metric_id) == ({"shop": "eu"}, metric.id)
    assert second.generated_at == datetime(2026, 12, 1, 8, tzinfo=timezone.utc)

    assert api.get_stat(first.id) == first
    assert api.get_stat(metric_id=metric.id, ref_id="order-1") == first

    listed = api.list_stats(metric.id)
    assert sorted(stat.id for stat in listed) == sorted([first.id, second.id])
    assert [s.id for s in api.list_stats(metric.id, limit=1)] in (
        [first.id],
        [second.id],
    )
    early = api.list_stats(
        metric.id, start_date="2026-11-30", end_date=datetime(2026, 12, 2)
    )
    assert [stat.id for stat in early] == [second.id]

    changed = api.update_stat(metric_id=metric.id, ref_id="order-1", value=6)
    assert changed.id == first.id
    assert changed.value == 6
    changed = api.update_stat(second.id, meta={"late": True})
    assert changed.meta == {"late": True}

    assert api.delete_stat(second.id).id == second.id
    assert api.delete_stat(metric_id=metric.id, ref_id="order-1").id == first.id
    assert api.list_stats(metric.id) == []
    with pytest.raises(NotFoundError):
        api.get_stat(first.id)


def test_stat_address_needs_an_id_or_a_ref_id_with_its_metric(api: API) -> None:
    with pytest.raises(ValueError, match="stat_id, or ref_id together with"):
        api.get_stat(ref_id="order-1")


def test_bad_input_raises_before_any_request(api: API) -> None:
    with pytest.raises(TypeError, match="value"):
        api.track("Revenue", "a lot")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sharing"):
        api.create_metric("Shared", sharing="everyone")


def test_wrong_key_raises_authentication_error(live_server: LiveServer) -> None:
    with API(live_server.url, "wrong") as api, pytest.raises(AuthenticationError) as e:
        api.list_metrics()

    assert e.value.status == 401
    assert e.value.message


def test_plan_limit_raises_plan_limit_error(live_server: LiveServer) -> None:
    key = live_server.create_account("Tiny plan", monthly_limit=1)
    with API(live_server.url, key) as api:
        api.track("Signups")
        with pytest.raises(PlanLimitError) as caught:
            api.track("Signups")

    assert caught.value.status == 403
    assert "limit" in caught.value.message
    assert isinstance(caught.value, ForbiddenError)


def test_unknown_id_raises_not_found(api: API) -> None:
    with pytest.raises(NotFoundError) as caught:
        api.delete_metric(999_999)
    assert caught.value.status == 404


def test_invalid_data_raises_validation_error_naming_the_field(api: API) -> None:
    api.create_metric("Twice")
    with pytest.raises(ValidationError) as caught:
        api.create_metric("Twice")

    assert caught.value.status == 422
    assert "name" in caught.value.message
    assert "Twice" in caught.value.message


def test_other_refusals_and_no_answer_raise_statsmix_error(stub: StubServer) -> None:
    with API(stub.url, "key") as api:
        stub.answer_next(403, message="not yours")
        with pytest.raises(ForbiddenError) as forbidden:
            api.list_metrics()
        assert not isinstance(forbidden.value, PlanLimitError)

        stub.answer_next(500, message="database is locked")
        with pytest.raises(StatsMixError) as server_error:
            api.list_metrics()
        assert (server_error.value.status, server_error.value.message) == (
            500,
            "database is locked",
        )

    with API(f"http://127.0.0.1:{free_port()}", "key") as api:
        with pytest.raises(StatsMixError) as unreachable:
            api.list_metrics()
    assert unreachable.value.status is None


def test_an_answer_slower_than_the_timeout_raises(stub: StubServer) -> None:
    stub.stall_next(1.0)
    with API(stub.url, "key", timeout=0.2) as api:
        with pytest.raises(StatsMixError) as caught:
            api.list_metrics()

    assert caught.value.status is None
    assert "no answer from" in caught.value.message


def test_api_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATSMIX_API_KEY", raising=False)
    monkeypatch.delenv("STATSMIX_URL", raising=False)
    with pytest.raises(ValueError, match="STATSMIX_API_KEY"):
        API()
