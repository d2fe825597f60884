"""``make demo``: the server, the three example blogs, some traffic, and a report.

It starts ``statsmix-server`` on a fresh SQLite file in ``.demo/``, makes an
account, serves the Flask, Starlette and FastAPI example blogs pointed at it,
sends each a burst of traffic (404s and errors included), runs the daily-users
job, reads back what arrived through the :class:`API` client and prints it.
Then it keeps everything running for the dashboard until Ctrl-C, unless
``--exit`` is given or ``STATSMIX_DEMO_EXIT=1`` is set.

The server listens on 127.0.0.1:8765, or on a free port when that one is
taken; each run starts from an empty database.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from types import FrameType

import httpx

from examples import _report, _traffic, daily_users
from examples._processes import HOST, ROOT, Processes, free_port, port_or_free
from statsmix_middleware import API, StoredStat
from statsmix_middleware.settings import parse_bool

__all__ = ["main"]

DEFAULT_PORT = 8765
APPS = {
    "flask": "examples.flask_app",
    "starlette": "examples.starlette_app",
    "fastapi": "examples.fastapi_app",
}


def main(argv: list[str] | None = None) -> int:
    """Run the demo with the command line ``argv``; returns the exit status."""
    args = _parse(argv)
    folder = Path(args.dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    db_path = _fresh_database(folder)
    # A SIGTERM stops the children too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _exit_on_signal)

    with Processes(folder) as processes:
        server_url = _start_server(processes, db_path, port_or_free(args.port))
        api_key = _create_account(db_path)
        app_urls = _start_apps(processes, server_url, api_key)
        print(f"StatsMix server  {server_url}  (logs in {folder})")
        for name, url in app_urls.items():
            print(f"{name + ' blog':<16} {url}")

        driven = _traffic.drive(list(app_urls.values()), rounds=args.rounds)
        with API(server_url, api_key) as api:
            daily_users.record_daily_users(api, 412, date.today())
            expected = {"HTTP Requests": driven.tracked_requests, **driven.events}
            stats = _report.wait_for_stats(api, expected)
            metrics = api.list_metrics(limit=_report.READ_LIMIT)

        _print_summary(driven, stats)
        charts = [metric.id for metric in sorted(metrics, key=lambda m: m.name)]
        _print_where_to_look(server_url, api_key, charts)
        if args.exit:
            return 0
        return _serve_until_interrupted(processes)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--exit",
        action="store_true",
        default=parse_bool(
            os.environ.get("STATSMIX_DEMO_EXIT", ""), "STATSMIX_DEMO_EXIT"
        ),
        help="exit after the report instead of serving (or STATSMIX_DEMO_EXIT=1)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="0: any free port"
    )
    parser.add_argument("--dir", default=str(ROOT / ".demo"), help="default ./.demo")
    parser.add_argument("--rounds", type=int, default=1, help="bursts per blog")
    return parser.parse_args(argv)


def _fresh_database(folder: Path) -> Path:
    db_path = folder / "statsmix.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return db_path


def _start_server(processes: Processes, db_path: Path, port: int) -> str:
    args = ["statsmix_server", "serve", "--db", str(db_path), "--host", HOST]
    processes.start("server", [*args, "--port", str(port), "--log-level", "warning"])
    processes.wait_for_port("server", port)
    return f"http://{HOST}:{port}"


def _create_account(db_path: Path) -> str:
    """Make the demo's account with the server's own command; return its key."""
    command = [sys.executable, "-m", "statsmix_server", "accounts", "create"]
    done = subprocess.run(
        [*command, "--db", str(db_path), "--name", "StatsMix demo"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _start_apps(processes: Processes, server_url: str, api_key: str) -> dict[str, str]:
    env = {"STATSMIX_URL": server_url, "STATSMIX_API_KEY": api_key}
    urls = {}
    for name, module in APPS.items():
        port = free_port()
        processes.start(name, [module, "--port", str(port)], env)
        urls[name] = f"http://{HOST}:{port}"
    for name, url in urls.items():
        processes.wait_for_url(name, f"{url}/health")
    return urls


def _print_summary(driven: _traffic.Driven, stats: dict[str, list[StoredStat]]) -> None:
    statuses = ", ".join(f"{n}x {code}" for code, n in sorted(driven.statuses.items()))
    print()
    print(f"Sent {driven.requests} requests ({statuses});")
    print(f"the {driven.health_checks} health checks are excluded from the stats.")
    print()
    _report.print_tables(stats)


def _print_where_to_look(server_url: str, api_key: str, metric_ids: list[int]) -> None:
    print()
    print(f"Dashboard   {server_url}/   (sign in with the API key below)")
    print(f"API key     {api_key}")
    shared = _share_dashboard(server_url, api_key, metric_ids)
    if shared:
        print(f"Shared      {shared}   (read-only, no sign-in)")


def _share_dashboard(
    server_url: str, api_key: str, metric_ids: list[int]
) -> str | None:
    """Make a shared dashboard of the metrics with the server's dashboards API.

    Returns its address, or None from a server without that API.
    """
    response = httpx.post(
        f"{server_url}/api/v2/dashboards.json",
        headers={"X-StatsMix-Token": api_key},
        data={
            "name": "StatsMix demo",
            "sharing": "public",
            "metric_ids": ",".join(str(metric_id) for metric_id in metric_ids),
        },
        timeout=10.0,
    )
    if response.status_code == 404:
        return None
    response.raise_for_status()
    url = response.json()["dashboard"]["url"]
    return str(url) if url else None


def _serve_until_interrupted(processes: Processes) -> int:
    print()
    print("Serving until Ctrl-C.", flush=True)
    try:
        while not processes.dead():
            time.sleep(0.5)
    except KeyboardInterrupt:
        print()
        print("Stopping.")
        return 0

    for name in processes.dead():
        print(f"{name} stopped unexpectedly:\n{processes.log_tail(name)}")
    return 1


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
