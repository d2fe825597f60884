"""A backend that drops everything: for ``ignore`` and for switched-off tracking."""

from __future__ import annotations

from ..stat import Stat

__all__ = ["NoopBackend"]


class NoopBackend:
    """Accepts every stat and keeps none of them."""

    def send(self, stat: Stat) -> None:
        pass

    def flush(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        pass
