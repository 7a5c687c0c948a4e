"""The error answer of the simulated Bot API."""

from __future__ import annotations


class ApiError(Exception):
    """An error answer of the Bot API: its HTTP code, description and ``retry_after``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
