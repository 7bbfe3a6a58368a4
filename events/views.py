from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.authority import Action, authority_required
from events.selectors import audit_event_list


@authority_required(Action.AUDIT_READ)
def audit_event_list_view(request):
    page = Paginator(audit_event_list(), 50).get_page(request.GET.get("page"))
    return render(request, "events/audit_events.html", {"page": page})
