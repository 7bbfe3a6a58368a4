from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from workflows.models import AuditEvent, Envelope, Party


def audit_event_list() -> QuerySet[AuditEvent]:
    """The current company's audit trail, newest first (the schema decides the company)."""
    return AuditEvent.objects.order_by("-occurred_at", "-id")


def envelope_list(*, status: str = "") -> QuerySet[Envelope]:
    envelopes = Envelope.objects.select_related("document").order_by("-created_at")
    return envelopes.filter(status=status) if status else envelopes


def envelope_get(*, envelope_id) -> Envelope:
    """404 unless the envelope is this company's own (the schema decides)."""
    try:
        return Envelope.objects.prefetch_related("parties__fields").select_related("document").get(pk=envelope_id)
    except (Envelope.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def envelope_party_get(*, envelope: Envelope, party_id) -> Party:
    try:
        return envelope.parties.select_related("envelope").get(pk=party_id)
    except (Party.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
