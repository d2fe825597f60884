"""``make demo`` runs end to end, and its table shows the traffic it drove."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from statsmix_middleware import API

ROOT = Path(__file__).resolve().parents[2]


def table_row(output: str, metric: str) -> tuple[int, str]:
    found = re.search(rf"^{re.escape(metric)}\s+(\d+)\s+(\S+)$", output, re.MULTILINE)
    assert found, f"no row for {metric!r} in:\n{output}"
    return int(found.group(1)), found.group(2)


def refuses_connections(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return False
    except OSError:
        return True


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_demo_reports_the_traffic_it_drove_and_exits(tmp_path: Path, how: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "STATSMIX_DEMO_EXIT"}
    command = [sys.executable, "-m", "examples.demo", "--port", "0"]
    if how == "flag":
        command.append("--exit")
    else:
        env["STATSMIX_DEMO_EXIT"] = "1"
    demo = subprocess.run(
        [*command, "--dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    output = demo.stdout
    assert demo.returncode == 0, f"{output}\n{demo.stderr}"

    sent = re.search(r"Sent (\d+) requests .*\n.*the (\d+) health checks", output)
    assert sent, output
    tracked = int(sent.group(1)) - int(sent.group(2))
    assert tracked > 50
    assert table_row(output, "HTTP Requests")[0] == tracked
    assert table_row(output, "Blog Posts") == (12, "1")
    assert table_row(output, "File Uploads") == (12, "1")
    assert table_row(output, "Daily Signups")[0] == 1
    assert table_row(output, "Daily Users") == (1, "412")
    assert re.search(r"^__unmatched__\s+404\s+9\s", output, re.MULTILINE)
    assert re.search(r"/export\s+500\s+\d+\s+\S+\s+UnsupportedFormat$", output, re.M)

    server = re.search(r"^StatsMix server\s+(http://\S+)", output, re.MULTILINE)
    key = re.search(r"^API key\s+(\w+)$", output, re.MULTILINE)
    assert server and key
    assert f"Dashboard   {server.group(1)}/" in output
    apps = re.findall(r"^\w+ blog\s+(http://\S+)$", output, re.MULTILINE)
    assert len(apps) == 3
    assert all(refuses_connections(url) for url in [server.group(1), *apps])
    assert (tmp_path / "statsmix.db").exists()


def test_demo_serves_until_interrupted(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "STATSMIX_DEMO_EXIT"}
    command = [sys.executable, "-m", "examples.demo", "--port", "0"]
    with subprocess.Popen(
        [*command, "--dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as demo:
        try:
            output = read_until(demo, "Serving until Ctrl-C")
            shared = re.search(r"^Shared\s+(http://\S+)", output, re.MULTILINE)
            assert shared, output
            assert httpx.get(shared.group(1), timeout=10).status_code == 200
            assert_dashboard_shows_every_metric(output, shared.group(1))
            apps = re.findall(r"^\w+ blog\s+(http://\S+)$", output, re.MULTILINE)
            assert httpx.get(f"{apps[0]}/health", timeout=10).status_code == 200

            demo.send_signal(signal.SIGINT)
            assert demo.wait(30) == 0
            assert "Stopping." in read_until(demo, "Stopping.")
        finally:
            if demo.poll() is None:
                demo.kill()

    assert all(refuses_connections(url) for url in apps)


def assert_dashboard_shows_every_metric(output: str, shared_url: str) -> None:
    """The account's one dashboard is the shared one, a chart per metric."""
    server = re.search(r"^StatsMix server\s+(http://\S+)", output, re.MULTILINE)
    key = re.search(r"^API key\s+(\w+)$", output, re.MULTILINE)
    assert server and key, output
    with API(server.group(1), key.group(1)) as api:
        metric_ids = {metric.id for metric in api.list_metrics()}
    answer = httpx.get(
        f"{server.group(1)}/api/v2/dashboards.json",
        headers={"X-StatsMix-Token": key.group(1)},
        timeout=10,
    ).json()

    (board,) = answer["dashboards"]["dashboard"]
    assert (board["name"], board["sharing"], board["url"]) == (
        "StatsMix demo",
        "public",
        shared_url,
    )
    assert {int(i) for i in board["metric_ids"].split(",")} == metric_ids
    assert len(metric_ids) >= 6


def read_until(process: subprocess.Popen[str], start: str) -> str:
    """The output up to the first line starting with ``start``, or to the end."""
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith(start):
            break
    return "".join(lines)


def test_demo_port_falls_back_to_a_free_one_when_taken() -> None:
    from examples._processes import HOST, free_port, port_or_free

    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        busy = taken.getsockname()[1]
        assert port_or_free(busy) != busy

    idle = free_port()
    assert port_or_free(idle) == idle
    assert port_or_free(0) > 0
