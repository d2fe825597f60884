"""The exceptions the synchronous :class:`~statsmix_middleware.API` raises.

Each one carries the HTTP status and the server's own message, so a script can
print exactly what the server objected to.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "ForbiddenError",
    "NotFoundError",
    "PlanLimitError",
    "StatsMixError",
    "ValidationError",
    "error_for_status",
    "is_plan_limit_message",
]


class StatsMixError(Exception):
    """The server refused a call, or could not be reached.

    Args:
        message: the server's explanation, or what went wrong on the way.
        status: the HTTP status; None when no answer arrived at all.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        if self.status is None:
            return self.message
        return f"{self.status}: {self.message}"


class AuthenticationError(StatsMixError):
    """401: the API key is missing or wrong."""


class ForbiddenError(StatsMixError):
    """403: the key may not do this (another account's profile, say)."""


class PlanLimitError(ForbiddenError):
    """403: the account used up its monthly requests; the message says so."""


class NotFoundError(StatsMixError):
    """404: nothing with that id (or ``ref_id``) exists in this account."""


class ValidationError(StatsMixError):
    """422: the server refused the data; the message names the field."""


def is_plan_limit_message(message: str) -> bool:
    """Whether a 403's message is the monthly plan limit rather than a refusal.

    The protocol answers 403 for both; only the wording tells them apart, and
    the plan-limit message always speaks of the limit.
    """
    return "limit" in message.lower()


def error_for_status(status: int, message: str) -> StatsMixError:
    """The exception that matches an error status and its message."""
    if status == 401:
        return AuthenticationError(message, status)
    if status == 403:
        if is_plan_limit_message(message):
            return PlanLimitError(message, status)
        return ForbiddenError(message, status)
    if status == 404:
        return NotFoundError(message, status)
    if status == 422:
        return ValidationError(message, status)
    return StatsMixError(message, status)
