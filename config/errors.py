from __future__ import annotations


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
