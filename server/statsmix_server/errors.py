"""The one exception the API raises to refuse a request."""

from __future__ import annotations

__all__ = ["ApiError"]


class ApiError(Exception):
    """A refusal: the status code and the message the client is shown.

    The message is one line (the Ruby gem reads an error only from a
    one-line ``<error>`` element) and names what was wrong.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = " ".join(message.split())
