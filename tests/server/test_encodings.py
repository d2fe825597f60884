"""Every way a client may send parameters, and replays of the original clients."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import httpx

from tests.server.conftest import Api, json_error, xml_error, xml_fields

FORM = "application/x-www-form-urlencoded"


def test_form_body(api: Api) -> None:
    response = api.http.post(
        "/track.json", data={"name": "Form", "value": "2", "api_key": api.key}
    )

    assert response.json()["stat"]["value"] == "2.0"


def test_multipart_body(api: Api) -> None:
    parts = {"name": (None, "Multipart"), "value": (None, "3")}
    stat = api.ok("POST", "/track.json", files=parts)["stat"]

    assert stat["value"] == "3.0"


def test_query_string_on_post_with_empty_body(api: Api) -> None:
    response = api.http.post(
        "/track.json", params={"name": "Query", "value": "4", "api_key": api.key}
    )

    assert response.json()["stat"]["value"] == "4.0"


def test_json_body_with_meta_as_an_object(api: Api) -> None:
    body = {"name": "Json", "value": 5, "meta": {"plan": "pro", "seats": 3}}
    stat = api.ok("POST", "/track.json", json=body)["stat"]

    assert stat["value"] == "5.0"
    assert json.loads(stat["meta"]) == {"plan": "pro", "seats": 3}


def test_body_field_wins_over_query_field(api: Api) -> None:
    stat = api.ok(
        "POST", "/track.json", params={"value": "1"}, data={"name": "W", "value": "9"}
    )["stat"]

    assert stat["value"] == "9.0"


def test_form_body_on_get_and_delete(api: Api) -> None:
    stat = api.track(name="Doomed")
    body = f"api_key={api.key}&metric_id={stat['metric_id']}"
    headers = {"content-type": FORM}

    listed = api.http.request("GET", "/stats.json", content=body, headers=headers)
    deleted = api.http.request(
        "DELETE", f"/stats/{stat['id']}.json", content=body, headers=headers
    )

    assert [s["id"] for s in listed.json()["stats"]["stat"]] == [stat["id"]]
    assert deleted.status_code == 200
    assert deleted.json()["stat"]["id"] == stat["id"]
    assert api.stats() == []


def test_key_as_header_or_parameter(api: Api) -> None:
    by_header = api.http.get("/profiles.json", headers={"X-StatsMix-Token": api.key})
    by_query = api.http.get("/profiles.json", params={"api_key": api.key})
    by_body = api.http.request(
        "GET", "/profiles.json", content=f"api_key={api.key}", headers={}
    )

    assert by_header.status_code == by_query.status_code == 200
    assert by_body.status_code == 200


def test_ruby_gem_get_track_with_raw_form_body(api: Api) -> None:
    # The gem's encoder leaves spaces, quotes, braces and colons as they are.
    body = (
        f"api_key={api.key}&name=Blog Posts&value=20.0"
        '&meta={"file type":"PDF", "source":"a b"}&ref_id=2012-10-19'
        "&generated_at=2012-10-19 15:18:42 -0600"
    )
    response = httpx.request(
        "GET",
        f"{api.base}/track.json",
        content=body.encode(),
        headers={"content-type": FORM, "user-agent": "StatsMix Ruby Gem 1.0.0"},
    )

    assert response.status_code == 200
    stat = response.json()["stat"]
    assert stat["value"] == "20.0"
    assert stat["ref_id"] == "2012-10-19"
    assert stat["generated_at"] == "2012-10-19T21:18:42Z"
    assert json.loads(stat["meta"]) == {"file type": "PDF", "source": "a b"}
    metric = api.ok("GET", f"/metrics/{stat['metric_id']}.json")["metric"]
    assert metric["name"] == "Blog Posts"


def test_ruby_gem_reads_errors_from_either_format(api: Api) -> None:
    body = b"api_key=wrong&name=Blog Posts"
    as_json = httpx.request(
        "GET", f"{api.base}/track.json", content=body, headers={"content-type": FORM}
    )
    as_xml = httpx.request(
        "GET", f"{api.base}/track.xml", content=body, headers={"content-type": FORM}
    )

    assert as_json.status_code == as_xml.status_code == 401
    assert "API key" in json_error(as_json)
    assert "API key" in xml_error(as_xml)


def test_php_multipart_post_with_format_and_empty_value(api: Api) -> None:
    parts = {
        "name": (None, "Weight"),
        "value": (None, ""),
        "generated_at": (None, "2012-10-19GMT21:13:20"),
        "meta": (None, '{"unit":"kg"}'),
        "format": (None, "xml"),
    }
    response = httpx.post(
        f"{api.base}/track",
        files=parts,
        headers={
            "X-StatsMix-Token": api.key,
            "user-agent": "StatsMix PHP Library v1.0",
        },
    )

    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == "stat"  # PHP reads the id right under the root
    assert root.find("error") is None
    fields = xml_fields(root)
    assert fields["id"]
    assert fields["value"] == "1.0"
    assert fields["generated-at"] == "2012-10-19T21:13:20Z"


def test_php_multipart_put_updates_a_stat_and_a_metric(api: Api) -> None:
    stat = api.track(name="Weight", value="80")
    headers = {"X-StatsMix-Token": api.key, "user-agent": "StatsMix PHP Library v1.0"}
    stat_parts = {
        "value": (None, "79.5"),
        "meta": (None, '{"unit":"kg"}'),
        "format": (None, "xml"),
    }
    metric_parts = {
        "sharing": (None, "public"),
        "include_in_email": (None, "0"),
        "format": (None, "xml"),
    }

    # PHP's curl sends the array body of a PUT as multipart, like a POST.
    updated = httpx.put(
        f"{api.base}/stats/{stat['id']}", files=stat_parts, headers=headers
    )
    metric = httpx.put(
        f"{api.base}/metrics/{stat['metric_id']}", files=metric_parts, headers=headers
    )

    assert updated.status_code == metric.status_code == 200
    stat_fields = xml_fields(ET.fromstring(updated.content))
    assert stat_fields["id"] == str(stat["id"])
    assert stat_fields["value"] == "79.5"
    assert json.loads(stat_fields["meta"] or "") == {"unit": "kg"}
    metric_fields = xml_fields(ET.fromstring(metric.content))
    assert metric_fields["sharing"] == "public"
    assert metric_fields["include-in-email"] == "0"


def test_php_reads_error_from_the_body_of_a_refusal(api: Api) -> None:
    parts = {"value": (None, "1"), "format": (None, "json")}
    response = httpx.post(
        f"{api.base}/track", files=parts, headers={"X-StatsMix-Token": api.key}
    )

    assert response.status_code == 422
    assert "name" in json_error(response)


def test_java_query_string_post_without_suffix_answers_xml(api: Api) -> None:
    params = {
        "api_key": api.key,
        "name": "Java Hits",
        "value": "500",
        "meta": '{"region":500}',
    }
    response = httpx.post(f"{api.base}/track", params=params)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    fields = xml_fields(ET.fromstring(response.content))
    assert fields["value"] == "500.0"
    assert json.loads(fields["meta"] or "") == {"region": 500}


def test_java_stat_by_raw_ref_id_in_the_path(api: Api) -> None:
    ref_id = "2012-10-19T21:13:20/batch:7"
    stat = api.track(name="Java Jobs", value="1", ref_id=ref_id)
    query = {"api_key": api.key, "metric_id": stat["metric_id"], "ref_id": ref_id}

    # Java appends the ref_id to the path unencoded, with no format suffix.
    shown = httpx.get(f"{api.base}/stats/{ref_id}", params=query)
    updated = httpx.put(f"{api.base}/stats/{ref_id}", params={**query, "value": "7"})
    deleted = httpx.delete(f"{api.base}/stats/{ref_id}", params=query)

    assert shown.status_code == 200
    assert xml_fields(ET.fromstring(shown.content))["id"] == str(stat["id"])
    assert xml_fields(ET.fromstring(updated.content))["value"] == "7.0"
    assert deleted.status_code == 200
    assert api.stats() == []


def test_java_metric_update_with_extra_id(api: Api) -> None:
    metric = api.ok("POST", "/metrics.json", data={"name": "Old"})["metric"]
    params = {"api_key": api.key, "id": metric["id"], "name": "New"}
    response = httpx.put(f"{api.base}/metrics/{metric['id']}", params=params)

    assert response.status_code == 200
    assert xml_fields(ET.fromstring(response.content))["name"] == "New"
