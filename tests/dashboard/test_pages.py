"""The pages' own behaviour, driven over HTTP: lists, ranges, editing, profiles."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from statsmix_server import accounts
from statsmix_server.database import Database
from tests.dashboard.conftest import Clients, track
from tests.live_server import LiveServer


def chart_titles(html: str) -> list[str]:
    return re.findall(r'<h2><a href="[^"]+">([^<]+)</a></h2>', html)


def test_metrics_list_shows_latest_value_and_activity(
    live_server: LiveServer, clients: Clients
) -> None:
    track(live_server, "Signups", 3)
    track(live_server, "Signups", 7.5, ref_id="last")
    old = datetime.now(timezone.utc) - timedelta(days=3)
    track(live_server, "Old metric", 1, generated_at=old.isoformat())
    page = clients.browser(live_server.api_key)

    html = page.http.get("/", follow_redirects=True).text

    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    signups = next(row for row in rows if "Signups" in row)
    assert "7.5" in signups and ">2</td>" in signups
    assert re.search(r'class="sparkline"[^>]*>[▁-█]+<', signups)
    stale = next(row for row in rows if "Old metric" in row)
    assert ">0</td>" in stale


def test_chart_data_follows_range_aggregation_and_custom_times(
    live_server: LiveServer, clients: Clients
) -> None:
    now = datetime.now(timezone.utc)
    stat = track(live_server, "Orders", 10)
    track(
        live_server, "Orders", 30, generated_at=(now - timedelta(hours=5)).isoformat()
    )
    page = clients.browser(live_server.api_key)
    data = f"/profiles/{stat['profile_id']}/metrics/{stat['metric_id']}/data.json"

    hour = page.http.get(data, params={"range": "hour", "aggregation": "sum"}).json()
    day = page.http.get(data, params={"range": "day", "aggregation": "max"}).json()
    custom = page.http.get(
        data,
        params={
            "range": "custom",
            "start": (now - timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
            "end": (now - timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        },
    ).json()
    refused = page.http.get(data, params={"aggregation": "median"})

    assert hour["total"] == 1 and hour["step"] == 60
    assert sum(v for v in hour["series"][0]["values"] if v) == 10
    assert day["total"] == 2 and max(v for v in day["series"][0]["values"] if v) == 30
    assert custom["total"] == 1
    assert [s["value"] for s in hour["latest"]] == ["10.0", "30.0"]
    assert refused.status_code == 422 and "aggregation" in refused.json()["error"]
    error_page = page.http.get(
        data.removesuffix("/data.json"), params={"range": "week"}
    )
    assert error_page.status_code == 200 and "range must be one of" in error_page.text


def test_rename_remove_move_and_delete(
    live_server: LiveServer, clients: Clients
) -> None:
    ids = [track(live_server, name)["metric_id"] for name in ("A", "B", "C")]
    page = clients.browser(live_server.api_key)
    board = page.create_dashboard("Draft", *ids)

    assert page.post(f"{board}/rename", name="Final").status_code == 303
    assert page.post(f"{board}/rename", name="  ").status_code == 422
    html = page.http.get(board).text
    assert '<h1 class="dashboard-name">Final</h1>' in html
    chart_ids = re.findall(r'data-chart-id="(\d+)"', html)
    assert chart_titles(html) == ["A", "B", "C"]

    page.post(f"{board}/charts/{chart_ids[2]}/move", direction="up")
    page.post(f"{board}/charts/{chart_ids[0]}/move", direction="down")
    assert chart_titles(page.http.get(board).text) == ["C", "A", "B"]
    page.post(f"{board}/charts/{chart_ids[0]}/remove")
    assert chart_titles(page.http.get(board).text) == ["C", "B"]
    assert page.post(f"{board}/charts/{chart_ids[0]}/remove").status_code == 404
    bad = page.post(f"{board}/charts", metric_id=str(ids[0]), aggregation="median")
    assert bad.status_code == 422

    deleted = page.post(f"{board}/delete")
    assert deleted.headers["location"] == "/dashboards"
    assert page.http.get(board).status_code == 404


def test_profile_switcher_with_several_profiles(
    live_server: LiveServer, clients: Clients
) -> None:
    database = Database(live_server.db_path)
    with database.write() as conn:
        account = accounts.authenticate(conn, live_server.api_key)
        assert account is not None
        second = accounts.create_profile(conn, account.id, "Staging")
    database.close()
    track(live_server, "Only in staging", profile_id=second)
    page = clients.browser(live_server.api_key)

    first_page = page.http.get("/", follow_redirects=True)
    assert 'name="profile_id"' in first_page.text and "Staging" in first_page.text
    assert "Only in staging" not in first_page.text
    switched = page.http.get("/profiles", params={"profile_id": second})
    assert switched.headers["location"] == f"/profiles/{second}/metrics"
    assert "Only in staging" in page.http.get(switched.headers["location"]).text
    assert page.http.get("/profiles", params={"profile_id": 9999}).status_code == 404


def test_sign_out_ends_the_session(live_server: LiveServer, clients: Clients) -> None:
    page = clients.browser(live_server.api_key)
    cookie = page.http.cookies["statsmix_session"]

    assert page.post("/signout").headers["location"] == "/signin"
    replay = clients.anonymous()
    replay.cookies.set("statsmix_session", cookie)
    assert replay.get("/dashboards").status_code == 303
