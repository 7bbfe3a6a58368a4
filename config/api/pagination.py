"""Cursor paging for every list: bad paging input is the client's mistake, answered with 400
and a reason, never ignored and never a server error."""

from __future__ import annotations

import re
from datetime import UTC

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

PAGE_SIZE_PATTERN = re.compile(r"[0-9]{1,6}")


class CreatedCursorPagination(CursorPagination):
    """Stable paging under concurrent inserts; every list model has a creation time."""

    ordering = "-created_at"
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_cursor_message = _("This cursor is not one a page of this list gave; start again without it.")

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from exc
        if cursor is not None and cursor.position is not None:
            # Every list is ordered by a point in time; the position is compared with it in SQL.
            try:
                moment = parse_datetime(cursor.position)
                if moment is None or moment.tzinfo is None:
                    raise ValueError(cursor.position)
                moment.astimezone(UTC)
            except (ValueError, OverflowError) as exc:
                raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from exc
        return cursor

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not PAGE_SIZE_PATTERN.fullmatch(raw) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(maximum)s.") % {"maximum": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters
