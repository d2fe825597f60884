"""Whole processes: the flush at interpreter exit, and fork()."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from tests.http.conftest import stored_values
from tests.http.stub_server import free_port
from tests.live_server import LiveServer

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")


def run_script(
    source: str, live_server: LiveServer
) -> subprocess.CompletedProcess[str]:
    """Run ``source`` in a fresh interpreter pointed at the live server."""
    env = {
        **os.environ,
        "STATSMIX_URL": live_server.url,
        "STATSMIX_API_KEY": live_server.api_key,
    }
    return subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", source],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_process_exiting_without_flush_delivers_everything(
    live_server: LiveServer,
) -> None:
    result = run_script(
        textwrap.dedent(
            """
            import statsmix_middleware as statsmix

            for value in range(300):
                statsmix.track("At exit", value)
            """
        ),
        live_server,
    )

    assert result.returncode == 0, result.stderr
    assert sorted(stored_values(live_server.db_path, "At exit")) == list(range(300))


def test_the_flush_at_exit_gives_up_within_its_bound() -> None:
    """The default retries would go on for over 30 seconds; the exit does not."""
    source = textwrap.dedent(
        """
        from statsmix_middleware import HTTPBackend, Stat

        backend = HTTPBackend(shutdown_timeout=0.5)
        for value in range(10):
            backend.send(Stat("Never", value))
        """
    )
    env = {
        **os.environ,
        "STATSMIX_URL": f"http://127.0.0.1:{free_port()}",
        "STATSMIX_API_KEY": "key",
    }

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", source],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    took = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    assert "stopped with 10 stats undelivered" in result.stderr
    assert took < 15


def test_fork_child_and_parent_each_deliver_their_own_once(
    live_server: LiveServer,
) -> None:
    """The parent's stats are still queued at fork; only the parent sends them."""
    result = run_script(
        textwrap.dedent(
            """
            import os
            from statsmix_middleware import HTTPBackend, Stat

            backend = HTTPBackend(flush_interval=30, batch_size=1000)
            for value in range(100):
                backend.send(Stat("Parent", value))

            pid = os.fork()
            if pid == 0:
                for value in range(50):
                    backend.send(Stat("Child", value))
                delivered = backend.flush(10)
                counts = dict(backend.counts)
                ok = delivered and counts["sent"] == 50 and counts["queued"] == 0
                os._exit(0 if ok else 3)

            for value in range(100, 200):
                backend.send(Stat("Parent", value))
            _, status = os.waitpid(pid, 0)
            assert backend.flush(10), backend.counts
            assert backend.counts["sent"] == 200, backend.counts
            raise SystemExit(os.waitstatus_to_exitcode(status))
            """
        ),
        live_server,
    )

    assert result.returncode == 0, result.stderr
    assert sorted(stored_values(live_server.db_path, "Parent")) == list(range(200))
    assert sorted(stored_values(live_server.db_path, "Child")) == list(range(50))


def test_pool_workers_ending_with_os_exit_deliver_everything(
    live_server: LiveServer,
) -> None:
    """multiprocessing's forked workers skip atexit; its own exit hooks flush."""
    result = run_script(
        textwrap.dedent(
            """
            import multiprocessing
            import statsmix_middleware as statsmix

            def work(number):
                for value in range(100):
                    statsmix.track("Pool", number * 100 + value)

            if __name__ == "__main__":
                context = multiprocessing.get_context("fork")
                workers = [context.Process(target=work, args=(n,)) for n in range(3)]
                for worker in workers:
                    worker.start()
                for worker in workers:
                    worker.join(30)
                raise SystemExit(max(worker.exitcode for worker in workers))
            """
        ),
        live_server,
    )

    assert result.returncode == 0, result.stderr
    assert sorted(stored_values(live_server.db_path, "Pool")) == list(range(300))
