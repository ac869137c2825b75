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


#: the title and advice of each error page (and the API's message when there is no better one)
ERROR_TITLES = {
    400: ("Something was wrong with that request", "Go back and try again."),
    401: ("Sign in to continue", "You need to sign in to see this page."),
    403: ("You cannot do that", "Your role does not allow this. Ask your branch or an administrator if you think it should."),
    404: ("Page not found", "If you typed the web address, check it is correct. The page may have been moved, or you may not have access to it."),
    405: ("That action is not available here", "Go back and try again."),
    409: ("Someone else changed this first", "The record was changed while you were working on it. Reload it, check the changes and try again."),
    413: ("That file is too large", "Choose a smaller file."),
    429: ("Too many attempts", "Wait a few minutes and try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you entered has been saved."),
}
