from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Stable paging under concurrent inserts; every list model has a creation time."""

    ordering = "-created_at"
    page_size_query_param = "page_size"
    max_page_size = 200
