"""``/api/v2/dashboards`` with the API's conventions: key, formats, errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest

from statsmix_server.dashboard import share_dashboard
from tests.dashboard.conftest import api, track
from tests.live_server import LiveServer


def test_create_list_update_share_and_delete(live_server: LiveServer) -> None:
    first = track(live_server, "Signups")["metric_id"]
    second = track(live_server, "Revenue", 5)["metric_id"]

    with api(live_server) as client:
        made = client.post(
            "/dashboards.json",
            data={"name": "Sales", "metric_ids": f"{first},{second}"},
        ).json()["dashboard"]
        assert made["metric_ids"] == f"{first},{second}"
        assert made["sharing"] == "none" and made["url"] is None

        listed = client.get("/dashboards.json").json()["dashboards"]["dashboard"]
        assert [board["name"] for board in listed] == ["Sales"]

        path = f"/dashboards/{made['id']}.json"
        changed = client.put(
            path, json={"name": "Sales, live", "metric_ids": [second, first]}
        ).json()["dashboard"]
        assert changed["name"] == "Sales, live"
        assert changed["metric_ids"] == f"{second},{first}"

        shared = client.put(path, data={"sharing": "public"}).json()["dashboard"]
        assert shared["sharing"] == "public"
        assert shared["url"].startswith(f"{live_server.url}/d/")
        assert httpx.get(shared["url"]).status_code == 200
        assert httpx.get(shared["url"] + "/embed").status_code == 200

        client.put(path, data={"sharing": "none"})
        assert httpx.get(shared["url"]).status_code == 404

        deleted = client.delete(path).json()["dashboard"]
        assert deleted["name"] == "Sales, live"
        assert client.get(path).status_code == 404


def test_xml_by_default_with_rails_style_records(live_server: LiveServer) -> None:
    with api(live_server) as client:
        response = client.post("/dashboards", data={"name": "In XML"})
        root = ET.fromstring(response.content)
        listing = ET.fromstring(client.get("/dashboards").content)

    assert response.headers["content-type"].startswith("application/xml")
    assert root.tag == "dashboard"
    assert root.find("id").get("type") == "integer"  # type: ignore[union-attr]
    assert root.find("url").get("nil") == "true"  # type: ignore[union-attr]
    assert listing.tag == "dashboards" and listing.get("type") == "array"
    assert [node.findtext("name") for node in listing] == ["In XML"]


def test_errors_name_the_field_in_the_requested_format(
    live_server: LiveServer,
) -> None:
    with api(live_server) as client:
        missing = client.post("/dashboards.json", data={})
        too_long = client.post("/dashboards.json", data={"name": "x" * 300})
        bad_ids = client.post("/dashboards.json", data={"name": "A", "metric_ids": "a"})
        unknown = client.post("/dashboards", data={"name": "A", "metric_ids": "999"})
        bad_sharing = client.post(
            "/dashboards.json", data={"name": "A", "sharing": "maybe"}
        )

    assert missing.status_code == 422
    assert "name" in missing.json()["errors"]["error"]
    assert too_long.status_code == 422
    assert "metric_ids" in bad_ids.json()["errors"]["error"]
    assert unknown.status_code == 422
    assert "metric_id" in ET.fromstring(unknown.content).findtext("error", "")
    assert "sharing" in bad_sharing.json()["errors"]["error"]
    with api(live_server) as client:
        listed = client.get("/dashboards.json").json()["dashboards"]["dashboard"]
    assert listed == []


def test_key_required_and_accounts_isolated(live_server: LiveServer) -> None:
    metric_id = track(live_server, "Private")["metric_id"]
    with api(live_server) as owner:
        board = owner.post("/dashboards.json", data={"name": "Mine"}).json()
    path = f"/dashboards/{board['dashboard']['id']}.json"

    with httpx.Client(base_url=f"{live_server.url}/api/v2") as nobody:
        assert nobody.get("/dashboards.json").status_code == 401

    with api(live_server, live_server.create_account("Other")) as other:
        assert other.get("/dashboards.json").json()["dashboards"]["dashboard"] == []
        for method in ("GET", "PUT", "DELETE"):
            response = other.request(method, path, data={"name": "Taken"})
            assert response.status_code == 404
            assert "not found" in response.json()["errors"]["error"]
        stolen = other.post(
            "/dashboards.json", data={"name": "Spy", "metric_ids": str(metric_id)}
        )
        assert stolen.status_code == 422


def test_share_dashboard_from_python(live_server: LiveServer) -> None:
    signups = track(live_server, "Signups")["metric_id"]
    revenue = track(live_server, "Revenue", 5)["metric_id"]

    path = share_dashboard(
        live_server.db_path,
        live_server.api_key,
        "From Python",
        ["Revenue", "Not tracked yet", "Signups"],
    )

    assert path.startswith("/d/")
    page = httpx.get(live_server.url + path)
    assert page.status_code == 200 and "From Python" in page.text
    with api(live_server) as client:
        (board,) = client.get("/dashboards.json").json()["dashboards"]["dashboard"]
    assert board["metric_ids"] == f"{revenue},{signups}"
    assert board["url"] == live_server.url + path
    with pytest.raises(PermissionError):
        share_dashboard(live_server.db_path, "not-a-key", "Nope", ["Signups"])
