"""A real ``statsmix-server`` in a subprocess on 127.0.0.1, for tests and benches.

``LiveServer`` runs ``python -m statsmix_server serve`` on a free loopback
port with its own SQLite file, and can stop it gently (SIGTERM), kill it
(SIGKILL) and start it again on the same file and port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from statsmix_server import accounts
from statsmix_server.database import Database

__all__ = ["LiveServer", "free_port"]

HOST = "127.0.0.1"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


class _PortTaken(Exception):
    """Another process bound the port first."""


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """One server process on one database file.

    Attributes:
        url: ``http://127.0.0.1:PORT``, without a trailing slash or ``/api/v2``.
        api_key: the key of the account the fixture made (empty until then).
        db_path: the SQLite file.
    """

    def __init__(
        self,
        db_path: str | Path,
        *,
        port: int | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.db_path = Path(db_path)
        self.port = port or free_port()
        # A port picked here may be taken by another process before the
        # server binds it; until the first start succeeds, pick another.
        self._may_change_port = port is None
        self.api_key = ""
        self.log_path = self.db_path.with_name(f"{self.db_path.stem}-server.log")
        self._extra_args = extra_args
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the server and return once it accepts connections."""
        if self.running:
            raise RuntimeError("the server is already running")

        for _attempt in range(3):
            try:
                self._start_once()
            except _PortTaken:
                self.port = free_port()
                continue
            self._may_change_port = False
            return
        raise RuntimeError(f"no free port found for statsmix-server:\n{self.log()}")

    def _start_once(self) -> None:
        # Log level info: uvicorn then says when it is listening, which is
        # the one sign that this process (and not another one that took the
        # port) accepts connections. Requests are never logged.
        command = [
            sys.executable,
            "-m",
            "statsmix_server",
            "serve",
            "--db",
            str(self.db_path),
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--log-level",
            "info",
            *self._extra_args,
        ]
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ)
            )
        self._wait_until_listening(log_start)

    def _wait_until_listening(self, log_start: int) -> None:
        listening = f"running on http://{HOST}:{self.port}"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self._process is not None
            new_output = self.log()[log_start:]
            if self._process.poll() is not None:
                if self._may_change_port and "address already in use" in new_output:
                    raise _PortTaken
                raise RuntimeError(
                    f"statsmix-server exited with {self._process.returncode}:\n"
                    + new_output
                )
            if listening in new_output:
                return
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"statsmix-server did not listen in time:\n{self.log()}")

    def stop(self) -> None:
        """SIGTERM, and wait for a clean exit (SIGKILL past a timeout)."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL, and wait until the process is gone."""
        self._signal(signal.SIGKILL)

    def restart(self) -> None:
        """Stop gently, then start again on the same file and port."""
        self.stop()
        self.start()

    def _signal(self, signum: int) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            self._process = None
            return
        process.send_signal(signum)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._process = None

    def create_account(
        self, name: str = "Test account", monthly_limit: int | None = None
    ) -> str:
        """Make an account with its first profile; return its new key."""
        database = Database(self.db_path)
        try:
            with database.write() as conn:
                _, key = accounts.create_account(conn, name, monthly_limit)
        finally:
            database.close()
        return key

    def log(self) -> str:
        """What the server printed so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
