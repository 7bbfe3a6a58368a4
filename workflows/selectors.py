from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from workflows.models import Envelope, Party


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


def envelope_list_with_progress(*, status: str = "") -> QuerySet[Envelope]:
    """The envelope list for the page: each with how many of its acting parties are done."""
    acting = Q(parties__kind__in=Party.ACTING_KINDS)
    return envelope_list(status=status).annotate(
        acting_total=Count("parties", filter=acting),
        acting_done=Count("parties", filter=acting & Q(parties__status=Party.Status.COMPLETED)),
    )


def envelope_field_get(*, party: Party, field_id):
    try:
        return party.fields.select_related("party__envelope").get(pk=field_id)
    except (party.fields.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
