from __future__ import annotations

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from accounts.authority import Action
from documents.models import (
    Document,
    DocumentListState,
    DocumentVersion,
    EvidencePackage,
    SealUseRequest,
    SigningGrant,
    SigningSession,
)


def document_list(*, search: str = "") -> QuerySet[Document]:
    documents = Document.objects.filter(deleted_at__isnull=True).select_related("current_version")
    return documents.filter(name__icontains=search) if search else documents


def document_list_token() -> str:
    """Changes whenever this company's documents list changes (documents/list_cache.py)."""
    token = DocumentListState.objects.filter(pk=1).values_list("token", flat=True).first()
    return token.hex if token else "initial"


def document_get(*, document_id) -> Document:
    """404 unless the document exists in this company's schema and is not deleted."""
    try:
        return document_list().get(pk=document_id)
    except (Document.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def version_get(*, document: Document, number: int) -> DocumentVersion:
    try:
        return document.versions.get(number=number)
    except DocumentVersion.DoesNotExist as exc:
        raise Http404 from exc


def grant_get(*, document: Document, grant_id) -> SigningGrant:
    try:
        return document.grants.get(pk=grant_id)
    except (SigningGrant.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def signing_session_get(*, document: Document, session_id) -> SigningSession:
    try:
        return document.signing_sessions.select_related("result_version").get(pk=session_id)
    except (SigningSession.DoesNotExist, ValueError, TypeError) as exc:
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


def evidence_package_list(*, document: Document) -> QuerySet[EvidencePackage]:
    """The document's evidence packages, newest first, with the version each one proves."""
    return document.evidence_packages.select_related("version").order_by("-created_at")
