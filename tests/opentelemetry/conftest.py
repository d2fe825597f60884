"""Real SDK providers wired to a client that records into memory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer

from statsmix_middleware import Client, MemoryBackend
from statsmix_opentelemetry import StatsMixSpanProcessor


@pytest.fixture
def memory() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture
def client(memory: MemoryBackend) -> Client:
    return Client(backend=memory, ignore=False, test_metric_name="")


@pytest.fixture
def processor(client: Client) -> StatsMixSpanProcessor:
    return StatsMixSpanProcessor(client=client)


@pytest.fixture
def provider(processor: StatsMixSpanProcessor) -> Iterator[TracerProvider]:
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(processor)  # type: ignore[arg-type]
    yield provider
    provider.shutdown()


@pytest.fixture
def tracer(provider: TracerProvider) -> Tracer:
    return provider.get_tracer("tests")
