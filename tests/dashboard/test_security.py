"""Who may see what: sessions, accounts, share tokens, escaping, CSRF, headers."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.dashboard.conftest import Clients, api, csrf_token, track
from tests.live_server import LiveServer

STATIC = (
    Path(__file__).resolve().parents[2]
    / "server"
    / "statsmix_server"
    / "dashboard"
    / "static"
)


def metric_path(stat: dict[str, int]) -> str:
    return f"/profiles/{stat['profile_id']}/metrics/{stat['metric_id']}"


def test_pages_and_data_without_a_session(
    live_server: LiveServer, clients: Clients
) -> None:
    stat = track(live_server, "Signups")
    owner = clients.browser(live_server.api_key)
    board = owner.create_dashboard("Board", stat["metric_id"])
    chart_id = re.search(r"/charts/(\d+)/data", owner.http.get(board).text)
    assert chart_id
    anonymous = clients.anonymous()

    for page in (
        "/",
        f"/profiles/{stat['profile_id']}/metrics",
        metric_path(stat),
        "/dashboards",
        board,
    ):
        response = anonymous.get(page)
        assert response.status_code == 303, page
        assert response.headers["location"].startswith("/signin")

    for data in (
        f"{metric_path(stat)}/data.json",
        f"{board}/charts/{chart_id.group(1)}/data.json",
    ):
        response = anonymous.get(data)
        assert response.status_code == 401, data
        assert "error" in response.json()

    for form in ("/dashboards", f"{board}/rename", f"{board}/delete", "/signout"):
        assert anonymous.post(form, data={"name": "x"}).status_code == 403, form
    assert owner.http.get(board).status_code == 200


def test_another_accounts_metrics_and_dashboards_are_404(
    live_server: LiveServer, clients: Clients
) -> None:
    stat = track(live_server, "Secret revenue", 100)
    owner = clients.browser(live_server.api_key)
    board = owner.create_dashboard("Private", stat["metric_id"])
    chart = re.search(r"(/dashboards/\d+/charts/\d+)/data", owner.http.get(board).text)
    assert chart
    intruder = clients.browser(live_server.create_account("Intruder"))

    for path in (
        metric_path(stat),
        f"{metric_path(stat)}/data.json",
        board,
        f"{chart.group(1)}/data.json",
        f"/profiles/{stat['profile_id']}/metrics",
    ):
        assert intruder.http.get(path).status_code == 404, path
    for form in (
        f"{board}/rename",
        f"{board}/share",
        f"{board}/delete",
        f"{chart.group(1)}/remove",
    ):
        assert intruder.post(form, name="Mine now").status_code == 404, form
    assert intruder.post(f"{board}/charts", metric_id="1").status_code == 404
    switch = intruder.http.get("/profiles", params={"profile_id": stat["profile_id"]})
    assert switch.status_code == 404

    mine = intruder.create_dashboard("Mine")
    added = intruder.post(f"{mine}/charts", metric_id=str(stat["metric_id"]))
    assert added.status_code == 422
    assert "Secret revenue" not in intruder.http.get("/dashboards").text
    assert "Private" in owner.http.get("/dashboards").text


def test_a_share_token_opens_its_own_dashboard_only(
    live_server: LiveServer, clients: Clients
) -> None:
    shared_stat = track(live_server, "Public numbers")
    hidden_stat = track(live_server, "Hidden numbers")
    owner = clients.browser(live_server.api_key)
    shared = owner.create_dashboard("Shared", shared_stat["metric_id"])
    hidden = owner.create_dashboard("Hidden", hidden_stat["metric_id"])
    owner.post(f"{shared}/share")
    page = owner.http.get(shared).text
    share_url = re.search(r'class="share-url" href="([^"]+)"', page)
    hidden_chart = re.search(r"/charts/(\d+)/data", owner.http.get(hidden).text)
    assert share_url and hidden_chart
    anonymous = clients.anonymous()

    shared_page = anonymous.get(share_url.group(1))
    own_chart = re.search(r'data-src="([^"]+)"', shared_page.text)
    assert shared_page.status_code == 200 and own_chart
    assert anonymous.get(live_server.url + own_chart.group(1)).status_code == 200
    foreign = f"{share_url.group(1)}/charts/{hidden_chart.group(1)}/data.json"
    assert anonymous.get(foreign).status_code == 404
    assert "Hidden numbers" not in shared_page.text
    assert anonymous.get(f"{live_server.url}/d/not-a-token").status_code == 404

    token = share_url.group(1).rpartition("/d/")[2]
    # At least 128 random bits: 22 or more characters of base64url.
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", token)

    owner.post(f"{shared}/unshare")
    for address in (
        share_url.group(1),
        f"{share_url.group(1)}/embed",
        live_server.url + own_chart.group(1),
    ):
        assert anonymous.get(address).status_code == 404, address

    owner.post(f"{shared}/share")
    again = re.search(r'class="share-url" href="([^"]+)"', owner.http.get(shared).text)
    assert again and again.group(1) != share_url.group(1)
    assert anonymous.get(again.group(1)).status_code == 200
    assert anonymous.get(share_url.group(1)).status_code == 404


def test_a_script_as_metric_name_is_rendered_inert(
    live_server: LiveServer, clients: Clients
) -> None:
    hostile = "<script>alert(1)</script>"
    stat = track(live_server, hostile, meta={hostile: hostile}, ref_id=hostile)
    owner = clients.browser(live_server.api_key)
    board = owner.create_dashboard(hostile, stat["metric_id"])
    owner.post(f"{board}/share")

    pages = [
        owner.http.get(f"/profiles/{stat['profile_id']}/metrics").text,
        owner.http.get(metric_path(stat)).text,
        owner.http.get(metric_path(stat), params={"group_by": hostile}).text,
        owner.http.get("/dashboards").text,
        owner.http.get(board).text,
    ]
    share_url = re.search(r'class="share-url" href="([^"]+)"', pages[-1])
    assert share_url
    pages.append(httpx.get(share_url.group(1)).text)
    pages.append(httpx.get(share_url.group(1) + "/embed").text)

    for html in pages:
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert re.findall(r"<script[^>]*>", html) == [
            f'<script src="{src}" defer>'
            for src in re.findall(r'<script src="([^"]+)" defer>', html)
        ]


def test_the_script_sets_server_text_only_as_text() -> None:
    source = (STATIC / "app.js").read_text()

    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
    ):
        assert sink not in source
    assert "textContent" in source


def test_forms_without_a_valid_csrf_token_are_refused(
    live_server: LiveServer, clients: Clients
) -> None:
    client = clients.anonymous()
    token = csrf_token(client.get("/signin").text)
    key = live_server.api_key

    assert client.post("/signin", data={"api_key": key}).status_code == 403
    assert (
        client.post("/signin", data={"api_key": key, "csrf_token": "x"}).status_code
        == 403
    )
    other = clients.anonymous()
    other_token = csrf_token(other.get("/signin").text)
    stolen = client.post("/signin", data={"api_key": key, "csrf_token": other_token})
    assert stolen.status_code == 403
    assert client.get("/dashboards").status_code == 303

    signed_in = client.post("/signin", data={"api_key": key, "csrf_token": token})
    assert signed_in.status_code == 303
    token = csrf_token(client.get("/dashboards").text)
    assert client.post("/dashboards", data={"name": "No token"}).status_code == 403
    foreign_origin = client.post(
        "/dashboards",
        data={"name": "Cross-site", "csrf_token": token},
        headers={"Origin": "http://evil.example"},
    )
    assert foreign_origin.status_code == 403
    assert "No token" not in client.get("/dashboards").text
    made = client.post("/dashboards", data={"name": "With token", "csrf_token": token})
    assert made.status_code == 303


def test_every_form_of_a_signed_in_visitor_needs_the_token(
    live_server: LiveServer, clients: Clients
) -> None:
    stat = track(live_server, "Signups")
    owner = clients.browser(live_server.api_key)
    board = owner.create_dashboard("Kept", stat["metric_id"], stat["metric_id"])
    before = owner.http.get(board).text
    chart = re.search(r"(/dashboards/\d+/charts/\d+)/data", before)
    assert chart

    forms = {
        "/dashboards": {"name": "Forged"},
        f"{board}/rename": {"name": "Forged"},
        f"{board}/share": {},
        f"{board}/unshare": {},
        f"{board}/charts": {"metric_id": str(stat["metric_id"])},
        f"{chart.group(1)}/move": {"direction": "down"},
        f"{chart.group(1)}/remove": {},
        f"{board}/delete": {},
        "/signout": {},
    }
    for path, fields in forms.items():
        for token in ({}, {"csrf_token": "forged"}):
            response = owner.http.post(path, data={**fields, **token})
            assert response.status_code == 403, (path, token)

    assert owner.http.get(board).text == before
    assert "Forged" not in owner.http.get("/dashboards").text


def test_session_cookie_and_security_headers(
    live_server: LiveServer, clients: Clients
) -> None:
    client = clients.browser()
    response = client.sign_in(live_server.api_key)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie

    page = client.http.get("/dashboards")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"

    board = client.create_dashboard("Headers")
    client.post(f"{board}/share")
    share_url = re.search(
        r'class="share-url" href="([^"]+)"', client.http.get(board).text
    )
    assert share_url
    assert httpx.get(share_url.group(1)).headers["x-frame-options"] == "DENY"
    embed = httpx.get(share_url.group(1) + "/embed")
    assert "x-frame-options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["content-security-policy"]


def test_wrong_key_forged_cookie_and_rotated_key(
    live_server: LiveServer, clients: Clients
) -> None:
    client = clients.browser()
    assert client.sign_in("not-the-key").status_code == 401

    forged = clients.anonymous()
    forged.cookies.set("statsmix_session", "made-up.signature")
    assert forged.get("/dashboards").status_code == 303

    client.sign_in(live_server.api_key)
    assert client.http.get("/dashboards").status_code == 200
    from statsmix_server import accounts
    from statsmix_server.database import Database

    database = Database(live_server.db_path)
    with database.write() as conn:
        account = accounts.authenticate(conn, live_server.api_key)
        assert account is not None
        accounts.rotate_key(conn, account.id)
    database.close()
    assert client.http.get("/dashboards").status_code == 303


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/"])
def test_sign_in_never_redirects_off_site(
    live_server: LiveServer, clients: Clients, target: str
) -> None:
    client = clients.anonymous()
    token = csrf_token(client.get("/signin", params={"next": target}).text)
    response = client.post(
        "/signin",
        data={"csrf_token": token, "api_key": live_server.api_key, "next": target},
    )
    assert response.headers["location"] == "/"


def test_a_public_metric_is_readable_at_its_url(
    live_server: LiveServer, clients: Clients
) -> None:
    stat = track(live_server, "Open numbers", 7)
    with api(live_server) as client:
        answer = client.put(
            f"/metrics/{stat['metric_id']}.json", data={"sharing": "public"}
        )
        url = answer.json()["metric"]["url"]
    assert url == live_server.url + metric_path(stat)

    page = httpx.get(url)
    assert page.status_code == 200 and "Open numbers" in page.text
    assert "Sign out" not in page.text
    assert httpx.get(url + "/data.json").json()["total"] == 1
    assert httpx.get(url + "/embed").status_code == 200

    with api(live_server) as client:
        client.put(f"/metrics/{stat['metric_id']}.json", data={"sharing": "none"})
    assert httpx.get(url).status_code == 303
    assert httpx.get(url + "/data.json").status_code == 401
    assert httpx.get(url + "/embed").status_code == 404
