"""The package needs opentelemetry-api only: it works with the SDK hidden."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys
    from importlib.abc import MetaPathFinder

    HIDDEN = ("opentelemetry.sdk", "opentelemetry.instrumentation",
              "opentelemetry.semconv")

    class HideNonApi(MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.startswith(HIDDEN):
                raise ImportError(f"{name} is hidden")
            return None

    sys.meta_path.insert(0, HideNonApi())
    try:
        import opentelemetry.sdk.trace
    except ImportError:
        pass
    else:
        raise SystemExit("the SDK is not hidden")

    from types import SimpleNamespace
    from opentelemetry.trace import SpanKind, Status, StatusCode
    from statsmix_middleware import Client, MemoryBackend
    from statsmix_opentelemetry import OpenTelemetryBackend, StatsMixSpanProcessor

    memory = MemoryBackend()
    processor = StatsMixSpanProcessor(client=Client(backend=memory, ignore=False))
    span = SimpleNamespace(
        name="GET /items/77", kind=SpanKind.SERVER,
        start_time=1_000_000_000, end_time=1_002_500_000,
        attributes={"http.method": "GET", "url.path": "/items/77"}, events=(),
        status=Status(StatusCode.UNSET),
    )
    processor.on_start(span, parent_context=None)
    processor._on_ending(span)
    processor.on_end(span)
    assert processor.force_flush(100)
    processor.shutdown()

    backend = OpenTelemetryBackend()
    Client(backend=backend, ignore=False).track("Blog Posts")
    assert backend.flush(1)

    leaked = sorted(m for m in sys.modules if m.startswith(HIDDEN))
    print(repr(memory.stats[0]), leaked)
    """
)


def test_import_and_use_without_the_sdk() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Stat('HTTP Requests', value=2.5, "
        "meta={'method': 'GET', 'route': '__unmatched__'}, "
        "generated_at='1970-01-01T00:00:01+00:00') []"
    )
