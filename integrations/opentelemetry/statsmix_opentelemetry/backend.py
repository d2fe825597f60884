"""A backend that records stats into OpenTelemetry histograms."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from decimal import Decimal

from opentelemetry import metrics
from opentelemetry.metrics import Histogram, Meter, MeterProvider

from statsmix_middleware import __version__
from statsmix_middleware.stat import Stat

from ._names import instrument_name

__all__ = ["OpenTelemetryBackend"]

# Failures of ours log where the core's do, under ``statsmix_middleware``.
logger = logging.getLogger("statsmix_middleware.opentelemetry")

_METER_NAME = "statsmix_opentelemetry"


class OpenTelemetryBackend:
    """Records every stat into a histogram named after its metric.

    With it, the stats an app tracks reach any OpenTelemetry metrics
    pipeline (an OTLP collector, a Prometheus exporter, a hosted backend)
    instead of a StatsMix server: ``Client(backend=OpenTelemetryBackend())``.

    Each metric gets one histogram, made on its first stat and kept. Its name
    is :func:`~statsmix_opentelemetry.instrument_name` of the metric (``Blog
    Posts`` is recorded as ``blog_posts``); its description is the metric's
    own name. The stat's meta become the measurement's attributes.

    Args:
        meter_provider: where the histograms come from; the API's global
            meter provider when None, looked up on first use, so the backend
            may be made before the SDK is configured.
        units: the unit of some metrics' histograms, by metric name, e.g.
            ``{"Response Time": "ms"}``; no unit for the others.
        close_timeout: at most this many seconds to flush on ``close``.
    """

    def __init__(
        self,
        *,
        meter_provider: MeterProvider | None = None,
        units: Mapping[str, str] | None = None,
        close_timeout: float = 5.0,
    ) -> None:
        if isinstance(close_timeout, bool) or not isinstance(
            close_timeout, (int, float)
        ):
            raise TypeError(
                f"close_timeout must be a number, not {type(close_timeout).__name__}"
            )
        if units is not None and not isinstance(units, Mapping):
            raise TypeError(
                f"units must be a mapping of metric to unit, not {type(units).__name__}"
            )

        self._meter_provider = meter_provider
        self._units = dict(units or {})
        self._close_timeout = close_timeout

        self._meter: Meter | None = None
        self._by_metric: dict[str, Histogram] = {}
        self._by_instrument: dict[str, Histogram] = {}
        self._lock = threading.Lock()
        self._is_closed = False

    @property
    def meter_provider(self) -> MeterProvider:
        """The provider given, else the API's global one."""
        if self._meter_provider is not None:
            return self._meter_provider
        return metrics.get_meter_provider()

    def send(self, stat: Stat) -> None:
        """Record the stat's value, with its meta as attributes."""
        if self._is_closed:
            return

        histogram = self._by_metric.get(stat.name) or self._histogram(stat.name)

        # Limitation: the metrics API stamps each measurement with the time it
        # is recorded, so generated_at is lost; and the SDK drops negative
        # values from histograms (with a warning), as the specification says.
        value = stat.value
        amount = float(value) if isinstance(value, Decimal) else value
        histogram.record(amount, dict(stat.meta) or None)

    def flush(self, timeout: float | None = None) -> bool:
        """Ask the meter provider to export what it holds; True if it did.

        A provider without ``force_flush`` (the API's default one) has
        nothing to export, so that counts as done.
        """
        force_flush = getattr(self.meter_provider, "force_flush", None)
        if force_flush is None:
            return True

        if timeout is None:
            done = force_flush()
        else:
            done = force_flush(timeout_millis=timeout * 1000)
        return done is not False

    def close(self) -> None:
        """Flush, bounded in time; later stats are dropped.

        The meter provider is left running: it belongs to the application.
        """
        if self._is_closed:
            return
        self._is_closed = True
        self.flush(self._close_timeout)

    def _histogram(self, metric: str) -> Histogram:
        with self._lock:
            name = instrument_name(metric)
            histogram = self._by_instrument.get(name)
            if histogram is None:
                histogram = self._get_meter().create_histogram(
                    name, unit=self._units.get(metric, ""), description=metric
                )
                self._by_instrument[name] = histogram
            else:
                logger.debug("metric %r shares the histogram %r", metric, name)
            self._by_metric[metric] = histogram
        return histogram

    def _get_meter(self) -> Meter:
        if self._meter is None:
            self._meter = self.meter_provider.get_meter(_METER_NAME, __version__)
        return self._meter
