"""Document versions: upload, delete, a copy received from another company, and the
version a sealing job produced."""

from __future__ import annotations

import dataclasses

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check_for, current_company
from config.errors import ApplicationError
from config.row_locks import lock_row
from documents.list_cache import document_list_changed
from documents.models import (
    CROSS_PAGE_CERTIFIED,
    ENVELOPE_ON_CERTIFIED,
    LOCKED_BY_NAMED_SIGNATURE,
    SEALING_REFUSALS,
    Document,
    DocumentVersion,
    Placement,
    SigningGrant,
)
from documents.pdf.active_content import active_content_remove_unless_protected
from documents.pdf.inspect import PageBox, PdfInfo, PreparedField
from documents.pdf.limits import LimitExceeded
from documents.services.evidence import evidence_package_queue
from documents.services.previews import previews_queue
from documents.services.reading import (
    document_inspect_upload,
    pdf_active_content,
    pdf_inspect_upload,
    pdf_read_limited,
    sha256_of,
)
from documents.stored_files import STORAGE_UNAVAILABLE, stored_file_note
from events.services import audit_event_record
from events.webhooks import webhook_event_emit
from seals.models import Seal


def document_version_create(
    *,
    document: Document,
    number: int,
    kind: str,
    data: bytes,
    info: PdfInfo,
    label: str,
    grant=None,
    active_content: dict | None = None,
    file_format: str = DocumentVersion.Format.PDF,
):
    version = DocumentVersion(
        document=document,
        number=number,
        kind=kind,
        format=file_format,
        sha256=sha256_of(data),
        size=len(data),
        page_count=info.page_count,
        pages=[
            {
                "left": p.left,
                "bottom": p.bottom,
                "right": p.right,
                "top": p.top,
                "rotation": p.rotation,
                "user_unit": p.user_unit,
            }
            for p in info.pages
        ],
        signature_count=len(info.signatures),
        sealing_refusal=info.sealing_refusal,
        sealing_refusal_detail=info.sealing_refusal_detail,
        prepared_fields=(
            None if info.prepared_fields is None else [dataclasses.asdict(field) for field in info.prepared_fields]
        ),
        active_content=active_content,
        created_by_label=label,
        grant=grant,
    )
    try:
        version.file.save(f"v{number}.{file_format}", ContentFile(data), save=False)
        stored_file_note(version.file)
    except STORAGE_UNAVAILABLE as error:  # disk full, storage service down: say so, keep nothing half-done
        raise ApplicationError(
            _("The file could not be stored right now. Nothing was saved; please try again in a few minutes."),
            "storage_unavailable",
            status=503,
        ) from error
    version.save()
    document.current_version = version
    document.save(update_fields=["current_version"])
    document_list_changed()
    return version


@transaction.atomic
def document_upload(*, name: str, data: bytes, acting_user) -> Document:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.DOCUMENT_UPLOAD)
    file_format, info = document_inspect_upload(data)
    # OFD: what runs or opens something is not analysed (None: not checked).
    active_content = pdf_active_content(data) if file_format == DocumentVersion.Format.PDF else None
    document = Document.objects.create(
        name=(name or f"document.{file_format}")[:255],
        created_by_id=getattr(acting_user, "audit_user_id", None),
        created_by_label=str(acting_user)[:200],
    )
    version = document_version_create(
        document=document,
        number=1,
        kind=DocumentVersion.Kind.ORIGINAL,
        data=data,
        info=info,
        label=str(acting_user),
        active_content=active_content,
        file_format=file_format,
    )
    if info.repaired is not None:  # damaged cross-reference data: a rebuilt copy, before any seal
        version = document_version_create(
            document=document,
            number=2,
            kind=DocumentVersion.Kind.REPAIRED,
            data=info.repaired,
            info=info,
            label="",
            active_content=active_content,
        )
    previews_queue(version)
    audit_event_record(
        acting_user=acting_user,
        action="document.uploaded",
        target=document,
        data={
            "name": document.name,
            "format": file_format,
            "sha256": version.sha256,
            "pages": info.page_count,
            "signatures": len(info.signatures),
            "repaired": info.repaired is not None,
            "active_content": active_content,
        },
    )
    return document


@transaction.atomic
def document_active_content_remove(*, document: Document, acting_user) -> DocumentVersion:
    """A new version without what runs or opens something (JavaScript, launch actions,
    embedded files...): a full rewrite, so only before any signature and outside envelopes."""
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.DOCUMENT_UPLOAD)
    document = lock_row(Document, pk=document.pk)
    document_assert_not_in_envelope(document)
    base = document.current_version
    if base.is_ofd:
        raise ApplicationError(
            _("This document contains no active content to remove."), "no_active_content", status=409
        )
    if base.signature_count:
        raise ApplicationError(
            _(
                "This version is already signed or sealed; removing active content would void its signatures. "
                "Remove it from the unsigned original and upload that instead."
            ),
            "document_signed",
            status=409,
        )
    if not (base.active_content or {}).get("kinds"):
        raise ApplicationError(
            _("This document contains no active content to remove."), "no_active_content", status=409
        )
    with base.file.open("rb") as handle:
        original = handle.read()
    try:
        data = pdf_read_limited(active_content_remove_unless_protected, original)
    except LimitExceeded as error:
        raise ApplicationError(
            _("The active content of this PDF could not be removed. Save a copy without it and upload that instead."),
            "active_content_not_removed",
            status=422,
        ) from error
    if data is None:
        raise ApplicationError(
            _(
                "This PDF carries its author's security settings, which removing active content would drop. "
                "Ask the author for a copy without active content."
            ),
            "active_content_protected",
            status=409,
        )
    info = pdf_inspect_upload(data)
    active_content = pdf_active_content(data)
    version = document_version_create(
        document=document,
        number=base.number + 1,
        kind=DocumentVersion.Kind.CLEANED,
        data=data,
        info=info,
        label=str(acting_user),
        active_content=active_content,
    )
    previews_queue(version)
    audit_event_record(
        acting_user=acting_user,
        action="document.active_content_removed",
        target=document,
        data={
            "version": version.number,
            "sha256": version.sha256,
            "removed": base.active_content.get("kinds", []),
            "remaining": active_content.get("kinds", []),
        },
    )
    return version


@transaction.atomic
def document_delete(*, document: Document, acting_user) -> None:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.DOCUMENT_DELETE)
    document_assert_not_in_envelope(document)
    document.deleted_at = timezone.now()
    document.save(update_fields=["deleted_at"])
    document_list_changed()
    audit_event_record(
        acting_user=acting_user, action="document.deleted", target=document, data={"name": document.name}
    )


def document_assert_not_in_envelope(document: Document) -> None:
    """While an envelope is out, its parties' fields are the only changes allowed: any
    other sealing would break the certification and the fingerprint chain."""
    if document.envelopes.filter(status="in_progress").exists():
        raise ApplicationError(
            _("This document is out for signing in an envelope. Cancel the envelope or wait until it is finished."),
            "document_in_envelope",
            status=409,
        )


def document_assert_sealable(document: Document, *, cross_page: bool = False) -> None:
    """Refused at placement, not later in the worker: the author forbids the change a seal makes."""
    version = document.current_version
    if version.sealing_refusal == "locked_by_signature" and version.sealing_refusal_detail:
        raise ApplicationError(
            LOCKED_BY_NAMED_SIGNATURE % {"signatures": version.sealing_refusal_detail},
            "document_locked_by_signature",
            status=409,
        )
    if not version.sealing_refusal and cross_page and version.prepared_fields is not None:
        raise ApplicationError(str(CROSS_PAGE_CERTIFIED), "document_signed_page_change", status=409)
    # An OFD seal's annotations live in its own signature files: pages signed before stay unchanged.
    page_change = cross_page and version.signature_count and not version.is_ofd
    refusal = version.sealing_refusal or ("signed_page_change" if page_change else "")
    if refusal:
        raise ApplicationError(str(SEALING_REFUSALS[refusal]), f"document_{refusal}", status=409)


def document_assert_fields_may_be_added(document: Document) -> None:
    """An envelope adds an empty signature field per place before anyone signs: refused
    when the author forbids the change a seal makes, and on a certified document, where a
    new visible field voids the certification (docs/architecture.md "Certified documents")."""
    document_assert_sealable(document)
    if document.current_version.prepared_fields is not None:
        raise ApplicationError(str(ENVELOPE_ON_CERTIFIED), "document_certified_fields_only", status=409)


@transaction.atomic
def document_receive(*, name: str, data: bytes, source_label: str) -> Document:
    """A copy another company delivered (a completed envelope), filed in this company's
    documents as received; the bytes are kept exactly as delivered."""
    file_format, info = document_inspect_upload(data)
    active_content = pdf_active_content(data) if file_format == DocumentVersion.Format.PDF else None
    document = Document.objects.create(name=name[:255], created_by_label=source_label[:200])
    version = document_version_create(
        document=document,
        number=1,
        kind=DocumentVersion.Kind.RECEIVED,
        data=data,
        info=info,
        label=source_label,
        active_content=active_content,
        file_format=file_format,
    )
    previews_queue(version)
    audit_event_record(
        acting_user=None,
        actor_label=source_label,
        action="document.received",
        target=document,
        data={"name": document.name, "sha256": version.sha256},
    )
    return document


def sealed_version_record(
    *,
    document: Document,
    base: DocumentVersion,
    data: bytes,
    new_signatures: int,
    label: str,
    seal: Seal | None,
    grant: SigningGrant | None = None,
    placements_used: bool = True,
    placements: list[dict] | None = None,
    certified: bool = False,
) -> DocumentVersion:
    """The version a sealing job produced, on top of `base`: stored, previews queued,
    the seal's placements used up, audited. Called with the document row locked.
    `placements` (as in a grant) tell which pages the seals were drawn on; the other
    pages' images are copied from `base`. None: every page is rendered again. `certified`:
    the sealing certified the document, so later seals can go into no new field."""
    drawn_pages = pages_drawn_on(placements) if placements is not None else None
    # Incremental signatures change no page boxes: reuse them instead of parsing again.
    refusal, fields = base.sealing_refusal, _prepared_fields_left(base, placements)
    if certified:  # this sealing certified the document (an envelope's first seal): it allows no new fields
        fields = None
    if (fields == [] or certified) and not refusal:  # certified, and no prepared field left
        refusal = "certified_fields_only"
    info = PdfInfo(
        page_count=base.page_count,
        pages=[PageBox(**page) for page in base.pages],
        signatures=[None] * (base.signature_count + new_signatures),
        sealing_refusal=refusal,
        sealing_refusal_detail=base.sealing_refusal_detail,
        prepared_fields=None if fields is None else [PreparedField(**field) for field in fields],
    )
    version = document_version_create(
        document=document,
        number=base.number + 1,
        kind=DocumentVersion.Kind.SEALED,
        data=data,
        info=info,
        label=label,
        grant=grant,
        active_content=base.active_content,  # a signature adds no active content
        file_format=base.format,
    )
    previews_queue(version, copy_from=None if drawn_pages is None else base, drawn_pages=drawn_pages)
    if seal is not None and placements_used:
        Placement.objects.filter(document=document, seal_id=seal.pk).delete()
    audit_event_record(
        acting_user=None,
        actor_label=label,
        action="document.sealed" if seal is not None else "document.signed",
        target=document,
        data={
            "seal": seal.code if seal is not None else "",
            "version": version.number,
            "sha256": version.sha256,
            "by": label,
        },
    )
    if grant is None or not grant.envelope_party_id:  # envelope steps have their own events
        evidence_package_queue(version=version)  # a completed envelope gets its own (workflows)
        webhook_event_emit(
            event_type="document.sealed",
            data={
                "document_id": str(document.pk),
                "version": version.number,
                "format": version.format,
                "sha256": version.sha256,
                "seal_code": seal.code if seal is not None else "",
            },
        )
    return version


def _prepared_fields_left(base: DocumentVersion, placements: list[dict] | None) -> list[dict] | None:
    """The author's prepared fields still empty after this sealing (None: not certified).
    Without the placements (an envelope step) none are taken: envelopes fill fields of their own."""
    if base.prepared_fields is None:
        return None
    filled = {placement.get("field_name") for placement in placements or []}
    return [field for field in base.prepared_fields if field["name"] not in filled]


def pages_drawn_on(placements: list[dict]) -> set[int] | None:
    """The pages a sealing draws on; None when it draws on every page (a cross-page seal)."""
    if any(placement.get("kind") == Placement.Kind.CROSS_PAGE for placement in placements):
        return None
    return {placement["page"] for placement in placements}
