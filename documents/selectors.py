from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from documents.models import Document, DocumentListState, DocumentVersion, SigningGrant, SigningSession


def document_list(*, search: str = "") -> QuerySet[Document]:
    documents = Document.objects.filter(deleted_at__isnull=True).select_related("current_version")
    return documents.filter(name__icontains=search) if search else documents


def document_list_token() -> str:
    """Changes whenever any document row of this company changes (see `document_list_changed`)."""
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
