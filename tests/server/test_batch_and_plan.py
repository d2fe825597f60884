"""``batch.json`` item by item, and the monthly plan limit."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from statsmix_server import accounts
from statsmix_server.database import Database
from statsmix_server.errors import ApiError
from statsmix_server.plan import charge, next_reset
from tests.live_server import LiveServer
from tests.server.conftest import Api, json_error, xml_error


def test_batch_stores_each_good_item_and_reports_each_bad_one(api: Api) -> None:
    items = [
        {"name": "Signups", "value": 2, "meta": {"plan": "pro"}},
        {"name": "Signups", "value": "abc"},
        "not an object",
        {"name": "Signups", "profile_id": 999999},
        {"name": "Daily", "ref_id": "day-1", "value": 0},
        {"name": "Daily", "ref_id": "day-1", "value": 3.5},
        {"value": 1},
    ]
    body = api.ok("POST", "/batch.json", json={"stats": items})

    statuses = [result["status"] for result in body["results"]]
    assert statuses == [200, 422, 422, 404, 200, 200, 422]
    first, _, _, _, daily, daily_again, _ = body["results"]
    assert first["stat"]["meta"] == '{"plan":"pro"}'
    assert daily["stat"]["value"] == "0.0"
    assert daily_again["stat"]["id"] == daily["stat"]["id"]
    assert daily_again["stat"]["value"] == "3.5"
    assert "value" in body["results"][1]["errors"]["error"]
    assert "stats[2]" in body["results"][2]["errors"]["error"]
    assert "name" in body["results"][6]["errors"]["error"]

    stored = api.stats()
    assert sorted(s["value"] for s in stored) == ["2.0", "3.5"]


def test_batch_answers_each_stat_as_it_is_stored(api: Api) -> None:
    earlier = api.track(name="Orders", ref_id="order-1", value="4")
    items = [
        {"name": "Orders", "value": 7, "meta": {"note": 'a "quoted" é'}},
        {"name": "Orders", "ref_id": "order-1", "value": 2.5},
        {"name": "Orders", "value": None},
        {"name": "Orders", "ref_id": "order-2", "generated_at": 1350681200.5},
        {"name": "Orders", "value": "1e999"},
        {"name": "Orders", "ref_id": "order-2", "meta": {"n": 1}},
        {"name": "Visits", "generated_at": "2012-10-19 15:18:42 -0600"},
    ]
    results = api.ok("POST", "/batch.json", json={"stats": items})["results"]

    assert [r["status"] for r in results] == [200, 200, 200, 200, 422, 200, 200]
    assert results[1]["stat"]["id"] == earlier["id"]
    assert results[5]["stat"]["id"] == results[3]["stat"]["id"]
    assert results[6]["stat"]["generated_at"] == "2012-10-19T21:18:42Z"
    # The last answer for each stat is the stat as the API shows it since.
    last = {r["stat"]["id"]: r["stat"] for r in results if r["status"] == 200}
    for stat_id, stat in last.items():
        assert api.ok("GET", f"/stats/{stat_id}.json")["stat"] == stat


def test_batch_refuses_bodies_it_cannot_read(api: Api) -> None:
    cases = [
        ({"stats": []}, 422, "at least one"),
        ({"stats": {"name": "A"}}, 422, "list"),
        ({}, 422, "stats"),
        ({"stats": [{"name": "A"}] * 1001}, 413, "at most 1000 per batch"),
    ]
    for body, status, words in cases:
        response = api.call("POST", "/batch.json", json=body)
        assert response.status_code == status
        assert words in json_error(response)

    not_json = api.call(
        "POST",
        "/batch.json",
        content=b"stats=1",
        headers={"content-type": "application/json"},
    )
    assert not_json.status_code == 400
    assert api.stats() == []


def test_batch_of_1000(api: Api) -> None:
    items = [{"name": "Bulk", "value": index} for index in range(1000)]
    results = api.ok("POST", "/batch.json", json={"stats": items})["results"]

    assert [r["status"] for r in results] == [200] * 1000
    assert len(api.stats()) == 1000


def _limited(server: LiveServer, limit: int) -> Api:
    return Api(server, server.create_account("Limited", monthly_limit=limit))


def test_plan_limit_refuses_with_403_naming_limit_and_reset(
    server: LiveServer,
) -> None:
    api = _limited(server, 3)
    try:
        assert api.call("POST", "/track.json", data={"name": "A"}).status_code == 200
        assert api.call("GET", "/metrics.json").status_code == 200
        refused_invalid = api.call("POST", "/track.json", data={"value": "1"})
        as_json = api.call("POST", "/track.json", data={"name": "A"})
        as_xml = api.call("GET", "/metrics")
    finally:
        api.close()

    assert refused_invalid.status_code == 422  # it still counts as a request
    assert as_json.status_code == as_xml.status_code == 403
    reset = next_reset(datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for message in (json_error(as_json), xml_error(as_xml)):
        assert "3 API requests per calendar month" in message
        assert f"resets at {reset}" in message


def test_plan_limit_is_per_utc_calendar_month(tmp_path: Path) -> None:
    database = Database(tmp_path / "months.db")
    december = datetime(2012, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    january = datetime(2013, 1, 1, tzinfo=timezone.utc)
    try:
        with database.write() as conn:
            account, _ = accounts.create_account(conn, "Monthly", 3)
            granted = [
                charge(conn, account, 2, december),
                charge(conn, account, 2, december),
            ]
            with pytest.raises(ApiError) as refused:
                charge(conn, account, 1, december)
            next_month = charge(conn, account, 3, january)
    finally:
        database.close()

    assert granted == [2, 1]  # the second asked for 2; one was left
    assert refused.value.status == 403
    assert "3 API requests per calendar month" in refused.value.message
    assert "resets at 2013-01-01T00:00:00Z" in refused.value.message
    assert next_month == 3


def test_plan_limit_counts_each_batch_item(server: LiveServer) -> None:
    api = _limited(server, 5)
    try:
        three = api.ok("POST", "/batch.json", json={"stats": [{"name": "A"}] * 3})
        four = api.ok("POST", "/batch.json", json={"stats": [{"name": "B"}] * 4})
        after = api.call("POST", "/batch.json", json={"stats": [{"name": "C"}]})
    finally:
        api.close()

    assert [r["status"] for r in three["results"]] == [200] * 3
    assert [r["status"] for r in four["results"]] == [200, 200, 403, 403]
    assert "Plan limit reached" in four["results"][2]["errors"]["error"]
    assert after.status_code == 403 and "Plan limit" in json_error(after)


def test_unlimited_account_is_never_refused(api: Api) -> None:
    items = [{"name": "A"}] * 1000
    for _ in range(3):
        api.ok("POST", "/batch.json", json={"stats": items})

    assert api.call("GET", "/profiles.json").status_code == 200


def test_plan_limit_applies_per_account(server: LiveServer, api: Api) -> None:
    limited = _limited(server, 1)
    try:
        assert limited.call("GET", "/metrics.json").status_code == 200
        assert limited.call("GET", "/metrics.json").status_code == 403
    finally:
        limited.close()

    assert api.call("GET", "/metrics.json").status_code == 200


def test_no_key_reaches_the_server_log_even_at_debug(tmp_path: Path) -> None:
    live = LiveServer(tmp_path / "logged.db", extra_args=("--log-level", "debug"))
    key = live.create_account("Logged")
    with live:
        base = f"{live.url}/api/v2"
        httpx.get(f"{base}/metrics.json", params={"api_key": key})
        httpx.get(f"{base}/metrics.json", params={"api_key": "wrong-key-123"})
        httpx.post(f"{base}/track.json", data={"api_key": key, "value": "x"})
        httpx.get(f"{base}/no/such/path", headers={"X-StatsMix-Token": key})

    log = live.log()
    assert "Uvicorn running" in log or "Application startup" in log
    assert key not in log and "wrong-key-123" not in log
    assert not re.search(r"api_key=\w", log)
