"""``make demo`` runs end to end, and its table shows the traffic it drove."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

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


def test_demo_reports_the_traffic_it_drove_and_exits(tmp_path: Path) -> None:
    env = {**os.environ, "STATSMIX_DEMO_EXIT": "1"}
    demo = subprocess.run(
        [sys.executable, "-m", "examples.demo", "--port", "0", "--dir", str(tmp_path)],
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
