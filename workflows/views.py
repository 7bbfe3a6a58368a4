from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from workflows.selectors import audit_event_list


def audit_event_list_view(request):
    page = Paginator(audit_event_list(), 50).get_page(request.GET.get("page"))
    return render(request, "workflows/audit_events.html", {"page": page})
