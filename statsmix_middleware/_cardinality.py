"""The cardinality budget: a bounded number of values per meta key and metric."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from .conventions import OVERFLOW_VALUE
from .stat import MAX_META_VALUE_LENGTH, MetaValue

__all__ = ["DEFAULT_CARDINALITY_LIMIT", "CardinalityBudget"]

logger = logging.getLogger(__name__)

#: Distinct values a meta key may take per metric before new ones are folded.
DEFAULT_CARDINALITY_LIMIT = 100

_NOTHING_SEEN: Mapping[str, set[MetaValue]] = {}


class CardinalityBudget:
    """Admits at most ``limit`` distinct values per meta key of each metric.

    The first ``limit`` values a key takes are kept for the life of the
    process; every later new value is recorded as ``"__other__"`` and counted
    in :attr:`folds`, so a raw path or a user id slipped into meta cannot grow
    a chart's series without end. Values already admitted cost one set lookup.
    """

    def __init__(self, limit: int = DEFAULT_CARDINALITY_LIMIT) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"cardinality_limit must be a positive int, not {limit!r}")
        self.limit = limit
        self._seen: dict[str, dict[str, set[MetaValue]]] = {}
        self._folds: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    @property
    def folds(self) -> dict[tuple[str, str], int]:
        """How many values were folded, per ``(metric, meta key)``."""
        with self._lock:
            return dict(self._folds)

    def admit(self, metric: str, meta: dict[str, MetaValue]) -> dict[str, MetaValue]:
        """Fold, in place, every value of ``meta`` that is over budget."""
        seen = self._seen.get(metric, _NOTHING_SEEN)
        for key, value in meta.items():
            values = seen.get(key)
            if values is None or value not in values:
                meta[key] = self._admit_new(metric, key, value)
        return meta

    def _admit_new(self, metric: str, key: str, value: MetaValue) -> MetaValue:
        if isinstance(value, str) and len(value) > MAX_META_VALUE_LENGTH:
            value = value[:MAX_META_VALUE_LENGTH]

        with self._lock:
            values = self._seen.setdefault(metric, {}).setdefault(key, set())
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
