"""Names and placeholder values that every part of the project agrees on."""

from __future__ import annotations

__all__ = [
    "DEFAULT_REQUEST_METRIC",
    "MAX_BATCH_SIZE",
    "OVERFLOW_VALUE",
    "UNMATCHED_ROUTE",
]

#: The metric that the middleware, the adapters and the OpenTelemetry bridge
#: record one stat per HTTP request under.
DEFAULT_REQUEST_METRIC = "HTTP Requests"

#: The ``route`` of a request that matched no route template. Raw paths are
#: never recorded unless asked for, so they cannot explode the number of values.
UNMATCHED_ROUTE = "__unmatched__"

#: What a meta value becomes once its key has used up its cardinality budget.
OVERFLOW_VALUE = "__other__"

#: Most stats in one ``batch.json`` request: the server refuses more with a
#: 413, and the HTTP backend never sends more.
MAX_BATCH_SIZE = 1000
