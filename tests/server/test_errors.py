"""Refusals: 401, 403, 404, 405, 413 and 422, each in the requested format."""

from __future__ import annotations

import select
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from tests.live_server import LiveServer
from tests.server.conftest import Api, json_error, xml_error

LIMIT = 1024 * 1024


def test_missing_key_is_401_in_both_formats(api: Api) -> None:
    as_json = httpx.post(f"{api.base}/track.json", data={"name": "A"})
    as_xml = httpx.post(f"{api.base}/track", data={"name": "A"})

    assert as_json.status_code == as_xml.status_code == 401
    assert "X-StatsMix-Token" in json_error(as_json)
    assert "api_key" in xml_error(as_xml)


def test_wrong_key_is_401(api: Api) -> None:
    response = httpx.get(
        f"{api.base}/metrics.json", headers={"X-StatsMix-Token": api.key + "0"}
    )

    assert response.status_code == 401
    assert "not valid" in json_error(response)


def test_a_rotated_key_stops_working(api: Api) -> None:
    from statsmix_server import accounts
    from statsmix_server.database import Database

    database = Database(api.server.db_path)
    try:
        with database.write() as conn:
            account = accounts.authenticate(conn, api.key)
            assert account is not None
            new_key = accounts.rotate_key(conn, account.id)
    finally:
        database.close()

    old = httpx.get(f"{api.base}/profiles.json", params={"api_key": api.key})
    new = httpx.get(f"{api.base}/profiles.json", params={"api_key": new_key})

    assert old.status_code == 401 and new.status_code == 200


def test_unknown_ids_are_404_in_both_formats(api: Api) -> None:
    for path in ("/metrics/999999", "/stats/999999", "/stats/no-such-ref"):
        as_json = api.call("GET", f"{path}.json")
        as_xml = api.call("GET", path)
        assert as_json.status_code == as_xml.status_code == 404
        assert "not found" in json_error(as_json)
        assert "not found" in xml_error(as_xml)


def test_unknown_resource_and_verb(api: Api) -> None:
    unknown = api.call("GET", "/partners/users.json")
    wrong_verb = api.call("DELETE", "/track.json")

    assert unknown.status_code == 404 and json_error(unknown)
    assert wrong_verb.status_code == 405 and json_error(wrong_verb)
    assert "DELETE" in json_error(wrong_verb)
    assert wrong_verb.headers["allow"] == "GET, POST"


def test_unknown_resource_is_404_for_every_method(api: Api) -> None:
    for method in ("GET", "POST", "PUT", "DELETE"):
        as_json = api.call(method, "/partners/users.json")
        as_xml = api.call(method, "/partners/users")
        assert as_json.status_code == as_xml.status_code == 404, method
        assert "/partners/users" in json_error(as_json)
        assert "/partners/users" in xml_error(as_xml)


def test_head_on_track_stores_nothing(api: Api) -> None:
    head = api.call("HEAD", "/track.json", params={"name": "Headless"})

    assert head.status_code == 405
    assert "HEAD" not in head.headers["allow"]
    assert api.stats() == []
    assert api.call("HEAD", "/metrics.json").status_code == 200


def test_unknown_format_parameter_is_422(api: Api) -> None:
    response = api.call("GET", "/metrics", params={"format": "html"})

    assert response.status_code == 422
    assert "format" in xml_error(response)


def test_accounts_cannot_see_each_other(api: Api, server: LiveServer) -> None:
    stat = api.track(name="Private", ref_id="r1")
    other = Api(server, server.create_account("Other"))
    try:
        paths = [
            f"/stats/{stat['id']}.json",
            f"/metrics/{stat['metric_id']}.json",
            f"/stats/r1.json?metric_id={stat['metric_id']}",
        ]
        for method in ("GET", "PUT", "DELETE"):
            for path in paths:
                assert other.call(method, path).status_code == 404, (method, path)
        assert other.stats() == []
        assert other.ok("GET", "/metrics.json") == {"metrics": {"metric": []}}
        assert (
            other.call(
                "POST", "/stats.json", data={"metric_id": stat["metric_id"]}
            ).status_code
            == 404
        )
        foreign_profile = other.call(
            "POST", "/track.json", data={"name": "X", "profile_id": stat["profile_id"]}
        )
        assert foreign_profile.status_code == 404
        foreign_lists = [
            ("GET", "/stats.json", {"metric_id": stat["metric_id"]}),
            ("GET", "/metrics.json", {"profile_id": stat["profile_id"]}),
            ("POST", "/metrics.json", {"name": "Y", "profile_id": stat["profile_id"]}),
        ]
        for method, path, params in foreign_lists:
            response = other.call(method, path, params=params)
            assert response.status_code == 404, (method, path)
            assert "not found in this account" in json_error(response)
        assert other.track(name="Private")["metric_id"] != stat["metric_id"]
    finally:
        other.close()

    assert api.ok("GET", f"/stats/{stat['id']}.json")["stat"]["value"] == "1.0"


def _raw_request(server: LiveServer, head: str) -> socket.socket:
    address = urlsplit(server.url)
    assert address.hostname is not None and address.port is not None
    sock = socket.create_connection((address.hostname, address.port), timeout=10)
    sock.sendall(head.encode())
    return sock


def _read_response(sock: socket.socket) -> tuple[int, bytes]:
    """Read one answer with a Content-Length, even if the peer resets after."""
    data = b""
    while True:
        head, _, body = data.partition(b"\r\n\r\n")
        if _:
            length = int(head.lower().split(b"content-length:")[1].split()[0])
            if len(body) >= length:
                break
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1]), data


def test_declared_oversized_body_is_413_before_it_is_sent(api: Api) -> None:
    head = (
        "POST /api/v2/track.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-StatsMix-Token: {api.key}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {LIMIT + 1}\r\n\r\n"
    )
    # Nothing of the body is sent: the answer must come anyway.
    with _raw_request(api.server, head) as sock:
        status, data = _read_response(sock)

    assert status == 413
    assert b"application/json" in data and b"at most 1048576 bytes" in data


def test_streamed_oversized_body_is_413_once_past_the_limit(api: Api) -> None:
    head = (
        "POST /api/v2/track.xml HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-StatsMix-Token: {api.key}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"a" * 65536
    framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    sent = 0
    with _raw_request(api.server, head) as sock:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and sent < 64 * LIMIT:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(framed)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        status, data = _read_response(sock)

    assert status == 413
    assert b"<error>request body is more than 1048576 bytes" in data
    assert sent < 16 * LIMIT  # refused long before the client stopped by itself


def test_body_just_under_the_limit_is_read(api: Api) -> None:
    padding = "x" * (LIMIT - 100)
    response = api.call(
        "POST",
        "/track.json",
        content=f"name=Big&pad={padding}".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"name": '),
        ("application/json", b"[1, 2]"),
        ("application/json", b'{"name": "\\ud800"}'),
        ("multipart/form-data", b"no boundary"),
    ],
)
def test_unreadable_bodies_are_400(api: Api, content_type: str, body: bytes) -> None:
    response = api.call(
        "POST", "/track.json", content=body, headers={"content-type": content_type}
    )

    assert response.status_code == 400
    assert "body" in json_error(response)
