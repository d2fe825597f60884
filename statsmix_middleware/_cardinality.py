"""The cardinality budget: a bounded number of values per meta key and metric.

The values admitted so far are one table for the whole process, shared by
every middleware, so two apps that record the same metric draw on one budget
between them: a chart's series stay bounded however many apps feed it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from .conventions import OVERFLOW_VALUE
from .stat import MAX_META_VALUE_LENGTH, MetaValue

__all__ = ["DEFAULT_CARDINALITY_LIMIT", "CardinalityBudget", "forget_admitted_values"]

logger = logging.getLogger(__name__)

#: Distinct values a meta key may take per metric before new ones are folded.
DEFAULT_CARDINALITY_LIMIT = 100

_NOTHING_SEEN: Mapping[str, set[MetaValue]] = {}

# metric -> meta key -> the values admitted, for every budget of the process.
_admitted: dict[str, dict[str, set[MetaValue]]] = {}
_lock = threading.Lock()


def forget_admitted_values() -> None:
    """Give every metric its whole budget again, as in a new process.

    For tests, each of which should start from nothing (the ``statsmix``
    pytest fixture calls it). Combinations a middleware has already seen stay
    admitted for that middleware.
    """
    with _lock:
        _admitted.clear()


class CardinalityBudget:
    """Admits at most ``limit`` distinct values per meta key of each metric.

    The first ``limit`` values a key takes in the process are kept for the
    life of the process; every later new value is recorded as ``"__other__"``
    and counted in :attr:`folds`, so a raw path or a user id slipped into meta
    cannot grow a chart's series without end. Values already admitted cost
    one set lookup.

    Each budget applies its own ``limit`` to the values admitted by every
    budget of the process, and counts its own folds.
    """

    def __init__(self, limit: int = DEFAULT_CARDINALITY_LIMIT) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"cardinality_limit must be a positive int, not {limit!r}")
        self.limit = limit
        self._folds: dict[tuple[str, str], int] = {}

    @property
    def folds(self) -> dict[tuple[str, str], int]:
        """How many values this budget folded, per ``(metric, meta key)``."""
        with _lock:
            return dict(self._folds)

    def admit(self, metric: str, meta: dict[str, MetaValue]) -> dict[str, MetaValue]:
        """Fold, in place, every value of ``meta`` that is over budget."""
        seen = _admitted.get(metric, _NOTHING_SEEN)
        for key, value in meta.items():
            values = seen.get(key)
            if values is None or value not in values:
                meta[key] = self._admit_new(metric, key, value)
        return meta

    def _admit_new(self, metric: str, key: str, value: MetaValue) -> MetaValue:
        if isinstance(value, str) and len(value) > MAX_META_VALUE_LENGTH:
            value = value[:MAX_META_VALUE_LENGTH]

        with _lock:
            values = _admitted.setdefault(metric, {}).setdefault(key, set())
            if value in values:
                return value
            if len(values) < self.limit:
                values.add(value)
                return value
            folds = self._folds.get((metric, key), 0) + 1
            self._folds[(metric, key)] = folds

        if folds == 1:
            logger.warning(
                "StatsMix metric %r: meta %r reached its budget of %d values; "
                "new values are recorded as %r",
                metric,
                key,
                self.limit,
                OVERFLOW_VALUE,
            )
        return OVERFLOW_VALUE
