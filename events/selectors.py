from __future__ import annotations

from django.db.models import QuerySet

from events.models import AuditEvent


def audit_event_list() -> QuerySet[AuditEvent]:
    """The current company's audit trail, newest first (the schema decides the company)."""
    return AuditEvent.objects.order_by("-occurred_at", "-id")


def audit_events_about(*, target_type: str, target_id: str) -> QuerySet[AuditEvent]:
    """The linked rows of the current company's chain about one object, in chain order."""
    return (
        AuditEvent.objects.filter(target_type=target_type, target_id=target_id)
        .exclude(sequence=None)
        .order_by("sequence")
    )
