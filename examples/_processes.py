"""The demo's child processes: the server and the example apps, each logged."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import httpx

__all__ = ["HOST", "Processes", "free_port", "port_or_free"]

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
ROOT = Path(__file__).resolve().parents[1]

# Settings a developer may have exported for their own app; the demo's apps
# must not inherit them, or their stats would be dropped or renamed.
_FOREIGN_SETTINGS = (
    "STATSMIX_IGNORE",
    "STATSMIX_TEST_METRIC_NAME",
    "STATSMIX_PROFILE_ID",
)


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_or_free(port: int) -> int:
    """``port`` when it can be bound on the loopback address, else a free one."""
    if port == 0:
        return free_port()
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return free_port()
    return port


class Processes:
    """Starts Python modules as child processes and stops them all at the end.

    Each child writes to ``<folder>/<name>.log``; when one fails to start,
    the error quotes the end of its log.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._children: dict[str, subprocess.Popen[bytes]] = {}

    def start(
        self, name: str, args: list[str], env: Mapping[str, str] | None = None
    ) -> None:
        """Run ``python -m <args>`` from the repository root."""
        child_env = {k: v for k, v in os.environ.items() if k not in _FOREIGN_SETTINGS}
        child_env.update(env or {})
        with open(self.log_path(name), "wb") as log:
            self._children[name] = subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=ROOT,
                env=child_env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_for_port(self, name: str, port: int) -> None:
        """Return once ``name`` accepts connections on ``port``."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self._check_alive(name)
            try:
                with socket.create_connection((HOST, port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{name} did not start in time:\n{self.log_tail(name)}")

    def wait_for_url(self, name: str, url: str) -> None:
        """Return once ``url`` answers 200."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self._check_alive(name)
            try:
                if httpx.get(url, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not answer in time:\n{self.log_tail(name)}")

    def dead(self) -> list[str]:
        """The children that have exited."""
        return [name for name, p in self._children.items() if p.poll() is not None]

    def log_path(self, name: str) -> Path:
        """The file the child ``name`` writes its output to."""
        return self.folder / f"{name}.log"

    def log_tail(self, name: str, lines: int = 20) -> str:
        """The last ``lines`` lines of that file, empty when there is none."""
        try:
            text = self.log_path(name).read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop_all(self) -> None:
        """SIGTERM each child in turn, newest first; SIGKILL one that lingers.

        The apps started after the server stop before it, so that what they
        still hold can reach it on their way out.
        """
        for child in reversed(list(self._children.values())):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
            try:
                child.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self._children.clear()

    def _check_alive(self, name: str) -> None:
        child = self._children[name]
        if child.poll() is not None:
            raise RuntimeError(
                f"{name} exited with {child.returncode}:\n{self.log_tail(name)}"
            )

    def __enter__(self) -> Processes:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop_all()
