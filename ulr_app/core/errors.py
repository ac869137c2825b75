"""Errors services raise; views turn them into form messages, the API into its error shape."""
from __future__ import annotations

from typing import Mapping, Sequence


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: Mapping[str, Sequence[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = {k: list(v) for k, v in (fields or {}).items()}


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_failed"


class Conflict(ServiceError):
    """A stale version or a state rule that forbids the change."""

    status = 409
    code = "conflict"


class NotAllowed(ServiceError):
    status = 403
    code = "forbidden"
