"""``metrics``, ``stats`` and ``profiles``: every verb, in XML and in JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.server.conftest import Api, json_error, xml_error, xml_fields


def test_metric_lifecycle_in_json(api: Api) -> None:
    created = api.ok(
        "POST",
        "/metrics.json",
        data={"name": "File Uploads", "sharing": "public", "include_in_email": "0"},
    )["metric"]
    shown = api.ok("GET", f"/metrics/{created['id']}.json")["metric"]
    updated = api.ok("PUT", f"/metrics/{created['id']}.json", data={"sharing": "none"})[
        "metric"
    ]
    listed = api.ok("GET", "/metrics.json")["metrics"]["metric"]
    deleted = api.ok("DELETE", f"/metrics/{created['id']}.json")["metric"]

    assert created == shown
    assert created["name"] == "File Uploads"
    assert created["include_in_email"] == 0
    assert created["url"] == (
        f"{api.server.url}/profiles/{created['profile_id']}/metrics/{created['id']}"
    )
    assert updated["sharing"] == "none" and updated["url"] is None
    assert [m["id"] for m in listed] == [created["id"]]
    assert deleted["id"] == created["id"]
    assert api.call("GET", f"/metrics/{created['id']}.json").status_code == 404


def test_metric_lifecycle_in_xml(api: Api) -> None:
    created = api.call("POST", "/metrics.xml", data={"name": "Signups"})
    metric_id = xml_fields(ET.fromstring(created.content))["id"]
    shown = api.call("GET", f"/metrics/{metric_id}")
    updated = api.call("PUT", f"/metrics/{metric_id}.xml", data={"name": "Joins"})
    listed = api.call("GET", "/metrics")
    deleted = api.call("DELETE", f"/metrics/{metric_id}.xml")

    fields = xml_fields(ET.fromstring(shown.content))
    assert fields["name"] == "Signups"
    assert fields["sharing"] == "none"
    assert fields["include-in-email"] == "1"
    assert fields["url"] is None
    assert xml_fields(ET.fromstring(updated.content))["name"] == "Joins"
    root = ET.fromstring(listed.content)
    assert root.tag == "metrics" and root.get("type") == "array"
    assert [xml_fields(m)["id"] for m in root.findall("metric")] == [metric_id]
    assert deleted.status_code == 200


def test_metric_delete_takes_its_stats(api: Api) -> None:
    stat = api.track(name="Gone")

    api.ok("DELETE", f"/metrics/{stat['metric_id']}.json")

    assert api.call("GET", f"/stats/{stat['id']}.json").status_code == 404


def test_metric_names_are_unique_in_a_profile(api: Api) -> None:
    api.ok("POST", "/metrics.json", data={"name": "Twice"})
    again = api.call("POST", "/metrics.json", data={"name": "Twice"})

    assert again.status_code == 422
    assert "name" in json_error(again)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "A", "sharing": "everyone"}, "sharing"),
        ({"name": "A", "include_in_email": "maybe"}, "include_in_email"),
        ({}, "name"),
    ],
)
def test_metric_refuses_invalid_fields(
    api: Api, fields: dict[str, str], field: str
) -> None:
    response = api.call("POST", "/metrics.xml", data=fields)

    assert response.status_code == 422
    assert field in xml_error(response)


def test_stat_lifecycle_in_json(api: Api) -> None:
    metric = api.ok("POST", "/metrics.json", data={"name": "Revenue"})["metric"]
    created = api.ok(
        "POST",
        "/stats.json",
        data={"metric_id": metric["id"], "value": "19.99", "ref_id": "order-1"},
    )["stat"]
    shown = api.ok("GET", f"/stats/{created['id']}.json")["stat"]
    updated = api.ok(
        "PUT",
        f"/stats/{created['id']}.json",
        data={"value": "0", "meta": '{"currency": "EUR"}'},
    )["stat"]
    deleted = api.ok("DELETE", f"/stats/{created['id']}.json")["stat"]

    assert created == shown
    assert created["value"] == "19.99"
    assert updated["value"] == "0.0"
    assert updated["meta"] == '{"currency":"EUR"}'
    assert updated["ref_id"] == "order-1"
    assert deleted["id"] == created["id"]
    assert api.stats() == []


def test_stat_lifecycle_in_xml(api: Api) -> None:
    metric = api.ok("POST", "/metrics.json", data={"name": "Revenue"})["metric"]
    created = api.call(
        "POST", "/stats.xml", data={"metric_id": metric["id"], "value": "5"}
    )
    stat_id = xml_fields(ET.fromstring(created.content))["id"]
    shown = api.call("GET", f"/stats/{stat_id}.xml")
    updated = api.call("PUT", f"/stats/{stat_id}", data={"value": "6"})
    listed = api.call("GET", "/stats", params={"metric_id": metric["id"]})
    deleted = api.call("DELETE", f"/stats/{stat_id}.xml")

    assert xml_fields(ET.fromstring(shown.content))["value"] == "5.0"
    assert xml_fields(ET.fromstring(updated.content))["value"] == "6.0"
    root = ET.fromstring(listed.content)
    assert root.tag == "stats"
    assert [xml_fields(s)["id"] for s in root.findall("stat")] == [stat_id]
    assert deleted.status_code == 200


def test_stat_post_with_a_known_ref_id_updates(api: Api) -> None:
    metric = api.ok("POST", "/metrics.json", data={"name": "Daily"})["metric"]
    data = {"metric_id": metric["id"], "ref_id": "2012-10-19"}

    first = api.ok("POST", "/stats.json", data={**data, "value": "1"})["stat"]
    second = api.ok("POST", "/stats.json", data={**data, "value": "2"})["stat"]

    assert first["id"] == second["id"] and second["value"] == "2.0"


def test_stat_by_ref_id_needs_its_metric(api: Api) -> None:
    stat = api.track(name="Daily", ref_id="2012-10-19", value="4")

    found = api.ok(
        "GET", "/stats/2012-10-19.json", params={"metric_id": stat["metric_id"]}
    )["stat"]
    without_metric = api.call("GET", "/stats/2012-10-19.json")
    other_metric = api.track(name="Other")["metric_id"]
    wrong_metric = api.call(
        "GET", "/stats/2012-10-19.json", params={"metric_id": other_metric}
    )

    assert found["id"] == stat["id"]
    assert without_metric.status_code == wrong_metric.status_code == 404


def test_stat_numeric_ref_id_wins_over_id_within_its_metric(api: Api) -> None:
    target = api.track(name="Orders", ref_id="1")
    api.track(name="Orders", ref_id="2")

    found = api.ok("GET", "/stats/1.json", params={"metric_id": target["metric_id"]})[
        "stat"
    ]

    assert found["id"] == target["id"]


def test_stat_update_refuses_a_taken_ref_id(api: Api) -> None:
    api.track(name="M", ref_id="a")
    other = api.track(name="M", ref_id="b")

    response = api.call("PUT", f"/stats/{other['id']}.json", data={"ref_id": "a"})

    assert response.status_code == 422
    assert "ref_id" in json_error(response)


def test_stats_list_defaults_to_50_and_takes_a_limit(api: Api) -> None:
    stats = [
        {
            "name": "Many",
            "value": index,
            "generated_at": f"2012-10-19T10:00:{index:02d}",
        }
        for index in range(60)
    ]
    results = api.ok("POST", "/batch.json", json={"stats": stats})["results"]
    metric_id = results[0]["stat"]["metric_id"]

    default = api.ok("GET", "/stats.json", params={"metric_id": metric_id})
    limited = api.ok("GET", "/stats.json", params={"metric_id": metric_id, "limit": 7})
    everything = api.stats(metric_id=metric_id)
    too_many = api.call("GET", "/stats.json", params={"limit": 1001})

    assert len(default["stats"]["stat"]) == 50
    assert default["stats"]["stat"][0]["value"] == "59.0"  # newest first
    assert len(limited["stats"]["stat"]) == 7
    assert len(everything) == 60
    assert too_many.status_code == 422 and "limit" in json_error(too_many)


def test_metrics_list_defaults_to_50_and_takes_a_limit(api: Api) -> None:
    stats = [{"name": f"Metric {index}"} for index in range(55)]
    api.ok("POST", "/batch.json", json={"stats": stats})

    default = api.ok("GET", "/metrics.json")["metrics"]["metric"]
    more = api.ok("GET", "/metrics.json", params={"limit": 1000})["metrics"]["metric"]

    assert len(default) == 50 and len(more) == 55


def test_stats_list_date_filters_are_inclusive(api: Api) -> None:
    for day in ("2012-10-18", "2012-10-19", "2012-10-20"):
        api.track(name="Days", generated_at=f"{day} 12:00:00", ref_id=day)

    window = api.stats(start_date="2012-10-19", end_date="2012-10-19")
    from_19th = api.stats(start_date="2012-10-19")
    until = api.stats(end_date="2012-10-19 12:00:00")

    assert [s["ref_id"] for s in window] == ["2012-10-19"]
    assert [s["ref_id"] for s in from_19th] == ["2012-10-20", "2012-10-19"]
    assert [s["ref_id"] for s in until] == ["2012-10-19", "2012-10-18"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "soon"}, "start_date"),
        ({"end_date": "2012-13-45"}, "end_date"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"metric_id": "first"}, "metric_id"),
    ],
)
def test_stats_list_refuses_bad_filters_naming_them(
    api: Api, params: dict[str, str], field: str
) -> None:
    as_json = api.call("GET", "/stats.json", params=params)
    as_xml = api.call("GET", "/stats", params=params)

    assert as_json.status_code == as_xml.status_code == 422
    assert json_error(as_json).startswith(field)
    assert xml_error(as_xml).startswith(field)


def test_empty_list_in_both_formats(api: Api) -> None:
    as_json = api.ok("GET", "/stats.json")
    as_xml = api.call("GET", "/stats.xml")

    assert as_json == {"stats": {"stat": []}}
    root = ET.fromstring(as_xml.content)
    assert root.tag == "stats" and list(root) == []


def test_profiles_list(api: Api) -> None:
    as_json = api.ok("GET", "/profiles.json")["profiles"]["profile"]
    as_xml = ET.fromstring(api.call("GET", "/profiles").content)

    assert [p["name"] for p in as_json] == ["Default"]
    assert [xml_fields(p)["name"] for p in as_xml.findall("profile")] == ["Default"]


def test_ref_id_with_a_format_like_ending(api: Api) -> None:
    stat = api.track(name="Versions", ref_id="v1.json")
    query = {"metric_id": stat["metric_id"]}

    found = api.ok("GET", "/stats/v1.json.json", params=query)["stat"]

    assert found["id"] == stat["id"]


def test_xml_answers_stay_well_formed_with_control_characters(api: Api) -> None:
    stat = api.track(name="Odd\x01name & <tags>", meta='{"k": "a\\u0002b\\rc"}')
    as_xml = api.call("GET", f"/stats/{stat['id']}.xml")
    metric = api.call("GET", f"/metrics/{stat['metric_id']}.xml")

    fields = xml_fields(ET.fromstring(as_xml.content))
    assert json.loads(fields["meta"] or "") == {"k": "a\x02b\rc"}
    assert xml_fields(ET.fromstring(metric.content))["name"] == (
        "Odd\ufffdname & <tags>"
    )
    shown = api.ok("GET", f"/metrics/{stat['metric_id']}.json")["metric"]
    assert shown["name"] == "Odd\x01name & <tags>"
