"""``/api/v2/track``: defaults, values, times, meta, ref_id and both formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any

import pytest

from statsmix_middleware.stat import Stat
from tests.server.conftest import Api, json_error, xml_error, xml_fields


def _answered_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_track_json_answers_the_stored_stat(api: Api) -> None:
    before = datetime.now(timezone.utc)
    stat = api.track(name="Blog Posts", value="20", meta='{"file type": "PDF"}')
    after = datetime.now(timezone.utc)

    assert stat["value"] == "20.0"
    # No generated_at sent: it is the moment the stat was stored.
    assert stat["generated_at"] == stat["created_at"]
    assert before <= _answered_time(stat["generated_at"]) <= after
    assert json.loads(stat["meta"]) == {"file type": "PDF"}
    assert stat["ref_id"] is None
    assert stat["generated_at"].endswith("Z")
    assert set(stat) == {
        "id",
        "metric_id",
        "profile_id",
        "value",
        "ref_id",
        "meta",
        "generated_at",
        "created_at",
        "updated_at",
    }


def test_track_without_suffix_answers_rails_xml(api: Api) -> None:
    response = api.call("POST", "/track", data={"name": "Blog Posts"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)
    assert root.tag == "stat"
    assert root.find("id").get("type") == "integer"  # type: ignore[union-attr]
    assert root.find("value").get("type") == "decimal"  # type: ignore[union-attr]
    fields = xml_fields(root)
    assert fields["value"] == "1.0"
    assert fields["ref-id"] is None
    assert fields["meta"] is None
    assert "metric-id" in fields and "generated-at" in fields


def test_track_format_parameter_picks_json(api: Api) -> None:
    response = api.call("POST", "/track", data={"name": "A", "format": "json"})

    assert response.json()["stat"]["value"] == "1.0"


def test_track_get_with_query_string(api: Api) -> None:
    response = api.call("GET", "/track.json", params={"name": "Hits", "value": "2"})

    assert response.status_code == 200
    assert response.json()["stat"]["value"] == "2.0"


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("0", "0.0"),
        ("0.0", "0.0"),
        ("", "1.0"),
        ("-3.25", "-3.25"),
        ("12.5000", "12.5"),
        ("99999999999.99", "99999999999.99"),
        ("1e3", "1000.0"),
    ],
)
def test_track_value_forms(api: Api, sent: str, stored: str) -> None:
    assert api.track(name="Values", value=sent)["value"] == stored


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2012-10-19T21:13:20Z", "2012-10-19T21:13:20Z"),
        ("2012-10-19T21:13:20", "2012-10-19T21:13:20Z"),
        ("2012-10-19T23:13:20+02:00", "2012-10-19T21:13:20Z"),
        ("2012-10-19 21:13:20", "2012-10-19T21:13:20Z"),
        ("2012/10/19 21:13:20", "2012-10-19T21:13:20Z"),
        ("2012-10-19", "2012-10-19T00:00:00Z"),
        ("2012-10-19 15:13:20 -0600", "2012-10-19T21:13:20Z"),
        ("2012-10-19GMT21:13:20", "2012-10-19T21:13:20Z"),
        ("2012-10-19T21:13:20.250000Z", "2012-10-19T21:13:20.250000Z"),
    ],
)
def test_track_generated_at_is_read_leniently(api: Api, sent: str, stored: str) -> None:
    assert api.track(name="Times", generated_at=sent)["generated_at"] == stored


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": "A", "value": "abc"}, "value"),
        ({"name": "A", "value": "NaN"}, "value"),
        ({"name": "A", "value": "100000000000"}, "value"),
        ({"name": "A", "meta": "not json"}, "meta"),
        ({"name": "A", "meta": "[1, 2]"}, "meta"),
        ({"name": "A", "meta": '{"a": {"nested": 1}}'}, "meta"),
        ({"name": "A", "generated_at": "yesterday"}, "generated_at"),
        ({"name": "A", "ref_id": "r" * 256}, "ref_id"),
        ({"name": "A", "profile_id": "first"}, "profile_id"),
    ],
)
def test_track_refuses_invalid_fields_naming_them(
    api: Api, fields: dict[str, str], field: str
) -> None:
    as_json = api.call("POST", "/track.json", data=fields)
    as_xml = api.call("POST", "/track.xml", data=fields)

    assert as_json.status_code == as_xml.status_code == 422
    assert field in json_error(as_json)
    assert field in xml_error(as_xml)


def _core_refusal(fields: dict[str, Any]) -> str | None:
    """What the Python client says of these fields, or None if it takes them."""
    try:
        Stat(
            fields["name"],
            fields.get("value", 1),
            meta=fields.get("meta"),
            ref_id=fields.get("ref_id"),
        )
    except (TypeError, ValueError) as exc:
        return " ".join(str(exc).split())
    return None


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "x" * 255},
        {"name": "x" * 256},
        {"name": "A", "ref_id": "r" * 255},
        {"name": "A", "ref_id": "r" * 256},
        {"name": "A", "meta": {f"k{index}": index for index in range(50)}},
        {"name": "A", "meta": {f"k{index}": index for index in range(51)}},
        {"name": "A", "meta": {"k" * 100: "v"}},
        {"name": "A", "meta": {"k" * 101: "v"}},
        {"name": "A", "meta": {"k": "v" * 1000}},
        {"name": "A", "meta": {"k": "v" * 1001}},
        {"name": "A", "meta": {"": "v"}},
        {"name": "A", "meta": {"flag": True, "ratio": 0.5}},
        {"name": "A", "meta": {"k": [1]}},
        {"name": "A", "value": 99999999999},
        {"name": "A", "value": 100000000000},
        {"name": "A", "value": -99999999999.99},
        {"name": "A", "value": 1e20},
    ],
    ids=lambda fields: ",".join(f"{k}:{str(v)[:12]}" for k, v in fields.items()),
)
def test_track_bounds_are_the_python_clients(api: Api, fields: dict[str, Any]) -> None:
    refusal = _core_refusal(fields)
    as_json = api.call("POST", "/track.json", json=fields)
    form = {
        key: json.dumps(value) if key == "meta" else str(value)
        for key, value in fields.items()
    }
    as_form = api.call("POST", "/track.json", data=form)

    if refusal is None:
        assert as_json.status_code == as_form.status_code == 200, as_json.text
    else:
        assert as_json.status_code == as_form.status_code == 422
        assert json_error(as_json) == refusal


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ("1e20", "value 1e20 has more than 11 digits before the point"),
        (" -100000000000 ", "value -100000000000 has more than 11 digits"),
        ("Infinity", "value must be finite, not Infinity"),
        ("NaN", "value must be finite, not NaN"),
    ],
)
def test_value_refusal_quotes_the_value_as_sent(
    api: Api, sent: str, message: str
) -> None:
    response = api.call("POST", "/track.xml", data={"name": "A", "value": sent})

    assert response.status_code == 422
    assert xml_error(response).startswith(message)


def test_track_ref_id_updates_the_same_stat(api: Api) -> None:
    first = api.track(
        name="Daily Users",
        value="3",
        ref_id="2012-10-19",
        meta='{"a": "1"}',
        generated_at="2012-10-19T10:00:00Z",
    )
    second = api.track(name="Daily Users", value="5", ref_id="2012-10-19")

    assert second["id"] == first["id"]
    assert second["value"] == "5.0"
    assert second["meta"] == first["meta"]  # not sent: kept
    assert second["generated_at"] == "2012-10-19T10:00:00Z"
    assert len(api.stats(metric_id=first["metric_id"])) == 1


def test_track_same_ref_id_in_another_metric_is_another_stat(api: Api) -> None:
    one = api.track(name="A", ref_id="day")
    other = api.track(name="B", ref_id="day")

    assert one["id"] != other["id"]


def test_track_makes_the_metric_once_in_the_first_profile(api: Api) -> None:
    first = api.track(name="Signups")
    second = api.track(name="Signups")
    profiles = api.ok("GET", "/profiles.json")["profiles"]["profile"]

    assert first["metric_id"] == second["metric_id"]
    assert first["profile_id"] == profiles[0]["id"]
    metrics = api.ok("GET", "/metrics.json")["metrics"]["metric"]
    assert [m["name"] for m in metrics] == ["Signups"]


def test_track_into_a_second_profile(api: Api) -> None:
    from statsmix_server import accounts
    from statsmix_server.database import Database

    database = Database(api.server.db_path)
    try:
        with database.write() as conn:
            account = accounts.authenticate(conn, api.key)
            assert account is not None
            second = accounts.create_profile(conn, account.id, "Second")
    finally:
        database.close()

    default = api.track(name="Signups")
    other = api.track(name="Signups", profile_id=str(second))

    assert other["profile_id"] == second
    assert other["metric_id"] != default["metric_id"]
