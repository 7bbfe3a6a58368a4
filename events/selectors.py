from __future__ import annotations

from django.db.models import QuerySet

from events.models import AuditEvent


def audit_event_list() -> QuerySet[AuditEvent]:
    """The current company's audit trail, newest first (the schema decides the company)."""
    return AuditEvent.objects.order_by("-occurred_at", "-id")
