from __future__ import annotations

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from accounts.authority import Action
from workflows.models import Envelope, Party, SealUseRequest


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


def seal_use_request_list(*, membership, status: str = "") -> QuerySet[SealUseRequest]:
    """Seal managers see the company's queue; other members see their own requests."""
    requests = SealUseRequest.objects.select_related("document")
    if not membership.may(Action.SEAL_USE_READ_ALL):
        requests = requests.filter(requester_id=membership.user_id)
    return requests.filter(status=status) if status else requests


def seal_use_request_queue(*, membership) -> QuerySet[SealUseRequest]:
    """For the page: waiting requests first, then the decided ones; newest first in each."""
    waiting_first = Case(
        When(status=SealUseRequest.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return seal_use_request_list(membership=membership).order_by(waiting_first, "-created_at")


def seal_use_request_get(*, membership, request_id) -> SealUseRequest:
    """404 unless the user is a seal manager of this company or the requester."""
    try:
        return seal_use_request_list(membership=membership).get(pk=request_id)
    except (SealUseRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def seal_use_request_list_for_document(*, document, requester_id) -> QuerySet[SealUseRequest]:
    return SealUseRequest.objects.filter(document=document, requester_id=requester_id).order_by("-created_at")


def seal_use_approval_usable(*, seal_id, user_id, document) -> SealUseRequest | None:
    """An approval that lets `user_id` use the seal on `document` now; approvals for this
    document are taken before company-wide ones, the soonest to expire first."""
    now = timezone.now()
    return (
        SealUseRequest.objects.filter(
            Q(document_only=False) | Q(document=document),
            status=SealUseRequest.Status.APPROVED,
            seal_id=seal_id,
            requester_id=user_id,
            uses_count__lt=F("uses_allowed"),
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .annotate(elsewhere=Case(When(document=document, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("elsewhere", F("valid_until").asc(nulls_last=True), "created_at")
        .first()
    )


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
