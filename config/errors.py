from __future__ import annotations

from django.core.exceptions import PermissionDenied


class ApplicationError(Exception):
    """A domain rule was broken; views show `message`, the API answers 400 with `code`."""

    def __init__(self, message: str, code: str = "invalid", *, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.field = field

    def add_to_form(self, form) -> None:
        """Show the message on its field, or above the form when the field is not on it."""
        form.add_error(self.field if self.field in form.fields else None, self.message)


class ExplainedRefusal(PermissionDenied):
    """A 403 whose reason the person may read (`message`, API error type `code`). Where the
    request ends, the 403 handlers call `at_response()`: a refusal whose audit row was
    rolled back with the transaction around it writes the row again there."""

    code = "permission_denied"
    status = 403

    @property
    def message(self) -> str:
        raise NotImplementedError

    def at_response(self) -> None:
        """Called once the request's transaction is over; nothing by default."""
