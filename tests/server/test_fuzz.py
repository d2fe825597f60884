"""Random fields, encodings and bodies: never a 500, never a lost stat."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.live_server import LiveServer
from tests.server.conftest import Api

FIELDS = [
    "name",
    "value",
    "meta",
    "ref_id",
    "generated_at",
    "profile_id",
    "metric_id",
    "format",
    "limit",
    "start_date",
    "end_date",
    "api_key",
]

numbers = st.one_of(
    st.integers(),
    st.floats(),
    st.decimals(allow_nan=True).map(str),
)
texts = st.one_of(
    st.text(max_size=40),
    numbers.map(str),
    st.sampled_from(
        [
            "",
            "0",
            "2012-10-19GMT21:13:20",
            "2012-10-19 15:18:42 -0600",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            '{"a": 1}',
            '{"a": {"b": 1}}',
            "[]",
            "1e999999",
            "-0",
            "x" * 300,
        ]
    ),
)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
# Each field is often valid and sometimes anything, so that some requests
# store stats and the rest probe the refusals.
_valid = {
    "name": st.sampled_from(["Fuzz", "Fuzz 2", "Fuzz/ünï"]),
    "value": st.integers(-(10**11) + 1, 10**11 - 1).map(str) | numbers.map(str),
    "meta": st.dictionaries(
        st.text(min_size=1, max_size=5), st.text(max_size=5) | st.integers()
    ).map(json.dumps),
    "ref_id": st.sampled_from(["a", "b", "2012-10-19"]),
    "generated_at": st.datetimes().map(str),
    "profile_id": st.sampled_from(["", "1"]),
    "metric_id": st.sampled_from(["", "1"]),
    "format": st.sampled_from(["xml", "json", ""]),
    "limit": st.sampled_from(["", "5", "1000"]),
    "start_date": st.dates().map(str),
    "end_date": st.dates().map(str),
    "api_key": st.just(""),
}
form_fields = st.fixed_dictionaries(
    {"name": st.one_of(_valid["name"], _valid["name"], texts)},
    optional={
        **{field: _valid[field] | texts for field in FIELDS if field != "name"},
        "other": texts,
    },
)
paths = st.sampled_from(
    [
        ("POST", "/track"),
        ("GET", "/track.json"),
        ("POST", "/track.xml"),
        ("POST", "/stats.json"),
        ("GET", "/stats"),
        ("POST", "/metrics.json"),
        ("GET", "/metrics.xml"),
        ("POST", "/batch.json"),
        ("GET", "/profiles.json"),
    ]
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    """A method, a path and httpx keyword arguments carrying random fields."""
    method, path = draw(paths)
    fields = draw(form_fields)
    encoding = draw(st.sampled_from(["form", "raw", "multipart", "query", "json"]))

    if encoding == "form":
        return method, path, {"data": fields}
    if encoding == "query":
        return method, path, {"params": fields}
    if encoding == "multipart":
        return method, path, {"files": {k: (None, v) for k, v in fields.items()}}
    if encoding == "raw":
        # Unescaped like the Ruby gem, or plain random bytes.
        raw = "&".join(f"{k}={v}" for k, v in fields.items()).encode()
        raw = draw(st.sampled_from([raw, draw(st.binary(max_size=60))]))
        content_type = draw(
            st.sampled_from(
                [
                    "application/x-www-form-urlencoded",
                    "application/json",
                    "multipart/form-data; boundary=b",
                    "text/plain",
                    "",
                ]
            )
        )
        return method, path, {"content": raw, "headers": {"content-type": content_type}}

    body: dict[str, Any] = {key: draw(json_values | texts) for key in fields}
    if path == "/batch.json":
        items = draw(st.lists(st.one_of(json_values, form_fields), max_size=5))
        body["stats"] = draw(st.sampled_from([items, body.get("stats", items)]))
    # json.dumps writes NaN and Infinity, which Python's reader accepts.
    content = json.dumps(body).encode()
    return (
        method,
        path,
        {"content": content, "headers": {"content-type": "application/json"}},
    )


def _check_answer(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    content_type = response.headers["content-type"]
    if content_type.startswith("application/json"):
        data = response.json()
        if response.status_code >= 400:
            assert isinstance(data["errors"]["error"], str)
        else:
            assert "error" not in data
    else:
        assert content_type.startswith("application/xml"), content_type
        root = ET.fromstring(response.content)
        assert (root.tag == "errors") == (response.status_code >= 400)


def _stored(response: httpx.Response) -> Iterator[tuple[int, str]]:
    """The id and value of every stat an answer says it stored."""
    if response.status_code != 200:
        return
    if response.headers["content-type"].startswith("application/xml"):
        root = ET.fromstring(response.content)
        if root.tag == "stat":
            yield int(root.findtext("id") or 0), root.findtext("value") or ""
        return

    data = response.json()
    stats = [data["stat"]] if "stat" in data else []
    stats += [r["stat"] for r in data.get("results", []) if r["status"] == 200]
    for stat in stats:
        yield stat["id"], stat["value"]


@pytest.fixture(scope="module")
def fuzz_api(server: LiveServer) -> Iterator[Api]:
    """The account whose answered stats are checked at the end."""
    client = Api(server, server.create_account("Fuzzed"))
    yield client
    client.close()


@pytest.fixture(scope="module")
def fuzz_other(server: LiveServer) -> Iterator[Api]:
    """An account for updates and deletes, which would change the record."""
    client = Api(server, server.create_account("Fuzzed items"))
    yield client
    client.close()


answered: dict[int, str] = {}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(request=requests())
def test_fuzzed_requests_never_fail_the_server(
    fuzz_api: Api, request: tuple[str, str, dict[str, Any]]
) -> None:
    method, path, kwargs = request
    response = fuzz_api.call(method, path, **kwargs)

    _check_answer(response)
    for stat_id, value in _stored(response):
        answered[stat_id] = value


@settings(max_examples=60, deadline=None)
@given(
    method=st.sampled_from(["GET", "PUT", "DELETE", "PATCH", "POST"]),
    key=st.text(min_size=1, max_size=20).filter(lambda k: not k.strip().isdigit()),
    fields=form_fields,
)
def test_fuzzed_item_paths_never_fail_the_server(
    fuzz_other: Api, method: str, key: str, fields: dict[str, str]
) -> None:
    fuzz_other.track(name="Fuzz", ref_id=key.strip() or "k", value="1")
    path = f"/stats/{quote(key, safe='')}.json"
    _check_answer(fuzz_other.call(method, path, data=fields))
    metric_path = f"/metrics/{quote(key, safe='')}"
    _check_answer(fuzz_other.call(method, metric_path, data=fields))


def test_no_answered_stat_was_lost(fuzz_api: Api, server: LiveServer) -> None:
    """Run after the fuzz: every stat answered 200 is stored as answered."""
    assert answered, "the fuzz stored nothing; the strategies are too narrow"

    server.kill()
    server.start()
    with sqlite3.connect(server.db_path) as conn:
        rows = dict(conn.execute("SELECT id, value FROM stats").fetchall())

    missing = {i: v for i, v in answered.items() if rows.get(i) != v}
    assert not missing
