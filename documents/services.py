"""Document writes: upload, placements, the seal request (willingness check → signing
grant) and the sealing job the worker runs."""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta

from cryptography import x509
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.authority import Action, authority_check_for, current_company
from accounts.models import Membership, OneTimeCode, User
from accounts.two_factor import second_factor_verify
from config.crypto import decrypt, encrypt
from config.errors import ApplicationError
from config.row_locks import lock_row
from documents.models import (
    SEALING_REFUSALS,
    Document,
    DocumentListState,
    DocumentVersion,
    Placement,
    SigningGrant,
    SigningSession,
)
from documents.pdf.inspect import InvalidPdf, PageBox, PdfInfo, inspect_pdf_or_reason, seal_size_on_page
from documents.pdf.limits import LimitExceeded, memory_for_file, run_limited
from documents.pdf.national import NationalSigning
from documents.pdf.sign import Placement as PdfPlacement
from documents.pdf.sign import SigningKey, Timestamping, stamp_and_sign
from documents.stored_files import stored_file_note, stored_files_removed_on_failure
from events.services import audit_event_record
from seals import keys, pki
from seals.image import seal_pdf
from seals.models import Seal
from seals.selectors import seal_member_may_use_directly, seal_usable_get
from seals.services import seal_face, seal_private_key_unlock, seal_sm2_key
from tenants.models import Company
from workflows.approvals import (
    seal_use_approval_consume,
    seal_use_approver_assert_in_force,
    seal_use_placements_approved,
)
from workflows.models import SealUseRequest
from workflows.selectors import seal_use_approval_usable

GRANT_LIFETIME = timedelta(minutes=5)
PREVIEW_WIDTHS = (200, 900)
GRANT_KEY_PURPOSE = "signing-grant"
MM = 72 / 25.4

INVALID_PDF_MESSAGES = {
    "not_pdf": lambda: _("This file is not a PDF. Only PDF documents can be sealed."),
    "encrypted": lambda: _(
        "This PDF needs a password to open. Remove the password (save an unprotected copy) and upload it again."
    ),
    "no_pages": lambda: _("This PDF has no pages."),
    "too_many_pages": lambda: _("This PDF has more than %(limit)s pages.") % {"limit": settings.DOCUMENT_MAX_PAGES},
    "malformed": lambda: _("This PDF is damaged and cannot be read. Save it again from the original program."),
    "too_complex": lambda: _("This PDF is too large or too complex to be read here."),
    "encryption_unsupported": lambda: _(
        "This PDF's protection settings are written in a way that cannot be kept when sealing. "
        "Save an unprotected copy and upload it again."
    ),
}
# The permissions of an owner-password PDF a seal needs (documents/pdf/structure.py SEAL_PERMISSIONS).
PDF_PERMISSION_NAMES = {
    "modify": lambda: _("changing the document"),
    "annotate": lambda: _("commenting and filling in form fields"),
}


def _invalid_pdf_message(refusal: InvalidPdf) -> str:
    if refusal.code == "permission_denied":
        names = [
            str(PDF_PERMISSION_NAMES[name]()) for name in refusal.detail.split(",") if name in PDF_PERMISSION_NAMES
        ]
        return _(
            "The author's security settings in this PDF do not allow %(permissions)s, which adding a seal needs. "
            "Ask the author for a copy without this restriction."
        ) % {"permissions": _(" and ").join(names)}
    return INVALID_PDF_MESSAGES[refusal.code]()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _inspect(data: bytes) -> PdfInfo:
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than %(limit)s MB.") % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
            "file_too_large",
            status=413,
            field="file",
        )
    try:
        result = pdf_read_limited(inspect_pdf_or_reason, data, max_pages=settings.DOCUMENT_MAX_PAGES)
    except LimitExceeded:
        result = InvalidPdf("too_complex")
    if isinstance(result, InvalidPdf):
        status = 422 if result.code == "too_complex" else 400
        raise ApplicationError(_invalid_pdf_message(result), f"pdf_{result.code}", status=status, field="file")
    return result


def pdf_read_limited(function, data: bytes, *args, **kwargs):
    """`function(data, ...)` over an uploaded PDF in a time- and memory-limited child process
    (documents/pdf/limits.py), never in this one: a few hundred KB of compressed content can
    inflate to gigabytes in any library that reads it. Raises LimitExceeded."""
    return run_limited(
        function,
        data,
        *args,
        seconds=settings.PDF_READ_TIME_LIMIT_SECONDS,
        memory_mb=memory_for_file(settings.PDF_READ_MEMORY_LIMIT_MB, len(data)),
        **kwargs,
    )


# The documents list token (`DocumentListState`) is renewed in the transaction that changes
# document rows, so cached pages are never served stale and a rollback restores it with the
# rows. Renewing locks the company's one token row until commit, so it is done late: at the
# end of the writing service, after its file I/O, and for writes in several companies at once
# (envelope completion) together, in schema order, so that two such transactions never wait
# on each other's rows. A commit hook renews whatever a writer left pending.
_LIST_CHANGED = "documents_list_changed_in"
_LIST_BATCHED = "documents_list_changes_batched"


def document_list_changed() -> None:
    """A document row of the current company changed (called by the model signals)."""
    pending = connection.__dict__.setdefault(_LIST_CHANGED, set())
    if not pending:  # one commit hook for what is noted until the next flush
        transaction.on_commit(lambda: document_list_changes_flush(force=True))
    pending.add(connection.schema_name)


def document_list_changes_flush(*, force: bool = False) -> None:
    if connection.__dict__.get(_LIST_BATCHED) and not force:
        return
    for schema in sorted(connection.__dict__.pop(_LIST_CHANGED, set())):
        with schema_context(schema):
            DocumentListState.objects.bulk_create(
                [DocumentListState(id=1, token=uuid.uuid4())],
                update_conflicts=True,
                unique_fields=["id"],
                update_fields=["token"],
            )


@contextlib.contextmanager
def document_list_changes_batched():
    """Writes in several companies' documents: renew their list tokens together at the end."""
    connection.__dict__[_LIST_BATCHED] = connection.__dict__.get(_LIST_BATCHED, 0) + 1
    try:
        yield
    finally:
        connection.__dict__[_LIST_BATCHED] -= 1
    document_list_changes_flush()


def document_version_create(
    *, document: Document, number: int, kind: str, data: bytes, info: PdfInfo, label: str, grant=None
):
    version = DocumentVersion(
        document=document,
        number=number,
        kind=kind,
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
        created_by_label=label,
        grant=grant,
    )
    try:
        version.file.save(f"v{number}.pdf", ContentFile(data), save=False)
        stored_file_note(version.file)
    except OSError as error:  # disk full, storage service down: say so, keep nothing half-done
        raise ApplicationError(
            _("The file could not be stored right now. Nothing was saved; please try again in a few minutes."),
            "storage_unavailable",
            status=503,
        ) from error
    version.save()
    document.current_version = version
    document.save(update_fields=["current_version"])
    document_list_changes_flush()
    return version


def preview_path(version: DocumentVersion, page: int, width: int) -> str:
    # Under the company's own prefix, like the documents themselves.
    return f"{connection.schema_name}/previews/{version.pk}/p{page}-w{width}.png"


def document_page_preview_path(*, version: DocumentVersion, page: int, width: int) -> str:
    """Storage path of a page image, rendered now if the worker has not prepared it yet."""
    from django.core.files.storage import default_storage

    from documents.pdf.render import render_page_png

    if width not in PREVIEW_WIDTHS or not 0 <= page < version.page_count:
        raise ApplicationError(_("There is no such page image."), "preview_missing", status=404)
    path = preview_path(version, page, width)
    if not default_storage.exists(path):
        with version.file.open("rb") as handle:
            data = handle.read()
        try:
            png = pdf_read_limited(render_page_png, data, page, width_px=width)
        except LimitExceeded as exceeded:
            raise ApplicationError(
                _("This page could not be shown: the file is too large or too complex."), "page_too_complex", status=422
            ) from exceeded
        default_storage.save(path, ContentFile(png))
    return path


# Pages per preview job: a long document is rendered by a chain of short jobs, so a sealing
# job queued meanwhile waits for one chunk (about a second of scans), not for the whole file.
PREVIEW_PAGES_PER_TASK = 20


def document_previews_render(
    *,
    version_id,
    first_page: int = 0,
    page_limit: int | None = None,
    copy_from_id=None,
    drawn_pages=None,
    queue_rest: bool = False,
) -> int:
    """Pre-render page images for pages [first_page, first_page + page_limit) of a version
    (worker), counting progress for the page; returns the next page to do (page_count when
    done), and with `queue_rest` queues a job for the pages after it. With `copy_from_id`,
    pages outside `drawn_pages` look exactly as in that earlier version (a seal draws only
    on its own pages), so their images are copied from it."""
    from django.core.files.storage import default_storage

    version = DocumentVersion.objects.filter(pk=version_id).first()
    if version is None:  # deleted meanwhile: nothing to prepare
        return 0
    last_page = version.page_count if page_limit is None else min(version.page_count, first_page + page_limit)
    source = DocumentVersion.objects.filter(pk=copy_from_id).first() if copy_from_id else None
    drawn = set(drawn_pages or ())
    to_render = []
    for page in range(first_page, last_page):
        missing = [width for width in PREVIEW_WIDTHS if not default_storage.exists(preview_path(version, page, width))]
        if missing and source is not None and page not in drawn:
            missing = [width for width in missing if not _preview_copy(source, version, page, width)]
        if missing:
            to_render.append(page)
    if to_render:
        with version.file.open("rb") as handle:
            data = handle.read()
        for page, images in _pages_rendered(data, to_render):
            for width, png in images.items():
                path = preview_path(version, page, width)
                if not default_storage.exists(path):
                    default_storage.save(path, ContentFile(png))
            DocumentVersion.objects.filter(pk=version.pk, previews_ready__lt=page + 1).update(previews_ready=page + 1)
    if last_page > first_page:
        DocumentVersion.objects.filter(pk=version.pk, previews_ready__lt=last_page).update(previews_ready=last_page)
    if queue_rest and first_page < last_page < version.page_count:
        from config.celery import on_commit_enqueue
        from documents.tasks import document_previews

        on_commit_enqueue(document_previews, str(version.pk), last_page, copy_from_id, drawn_pages)
    return last_page


def _pages_rendered(data: bytes, pages: list[int]) -> list[tuple[int, dict]]:
    """Page images made in the sandbox. When the chunk overruns its limits, page by page: a
    page too large or too complex gets no image (asked for, it says so), the others do."""
    from documents.pdf.render import render_pages_png_list

    try:
        return pdf_read_limited(render_pages_png_list, data, widths=PREVIEW_WIDTHS, pages=pages)
    except LimitExceeded:
        if len(pages) == 1:
            return []
    rendered = []
    for page in pages:
        with contextlib.suppress(LimitExceeded):
            rendered += pdf_read_limited(render_pages_png_list, data, widths=PREVIEW_WIDTHS, pages=[page])
    return rendered


PNG_END = b"IEND\xaeB`\x82"


def _preview_copy(source: DocumentVersion, version: DocumentVersion, page: int, width: int) -> bool:
    """Copy one page image from `source`; False when it is not there (yet) in full."""
    from django.core.files.storage import default_storage

    source_path = preview_path(source, page, width)
    if not default_storage.exists(source_path):
        return False
    with default_storage.open(source_path, "rb") as handle:
        png = handle.read()
    if not png.endswith(PNG_END):  # another job is still writing it
        return False
    target = preview_path(version, page, width)
    if not default_storage.exists(target):  # a job run twice must not leave suffixed copies
        default_storage.save(target, ContentFile(png))
    return True


def _queue_previews(
    version: DocumentVersion, *, copy_from: DocumentVersion | None = None, drawn_pages: set[int] | None = None
) -> None:
    """Queue the page images of `version`; with `copy_from`, only `drawn_pages` are rendered."""
    from config.celery import on_commit_enqueue
    from documents.tasks import document_previews

    if copy_from is None:
        on_commit_enqueue(document_previews, str(version.pk))
    else:
        on_commit_enqueue(document_previews, str(version.pk), 0, str(copy_from.pk), sorted(drawn_pages or ()))


@transaction.atomic
def document_upload(*, name: str, data: bytes, acting_user) -> Document:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.DOCUMENT_UPLOAD)
    info = _inspect(data)
    document = Document.objects.create(
        name=(name or "document.pdf")[:255],
        created_by_id=getattr(acting_user, "audit_user_id", None),
        created_by_label=str(acting_user)[:200],
    )
    version = document_version_create(
        document=document, number=1, kind=DocumentVersion.Kind.ORIGINAL, data=data, info=info, label=str(acting_user)
    )
    if info.repaired is not None:  # damaged cross-reference data: a rebuilt copy, before any seal
        version = document_version_create(
            document=document, number=2, kind=DocumentVersion.Kind.REPAIRED, data=info.repaired, info=info, label=""
        )
    _queue_previews(version)
    audit_event_record(
        acting_user=acting_user,
        action="document.uploaded",
        target=document,
        data={
            "name": document.name,
            "sha256": version.sha256,
            "pages": info.page_count,
            "signatures": len(info.signatures),
            "repaired": info.repaired is not None,
        },
    )
    return document


@transaction.atomic
def document_delete(*, document: Document, acting_user) -> None:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.DOCUMENT_DELETE)
    document_assert_not_in_envelope(document)
    document.deleted_at = timezone.now()
    document.save(update_fields=["deleted_at"])
    document_list_changes_flush()
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
    refusal = version.sealing_refusal or ("signed_page_change" if cross_page and version.signature_count else "")
    if refusal:
        raise ApplicationError(str(SEALING_REFUSALS[refusal]), f"document_{refusal}", status=409)


def placement_rectangle_check(
    document: Document, *, page: int, x: float, y: float, width: float, height: float
) -> None:
    pages = document.current_version.pages
    if not 0 <= page < len(pages):
        raise ApplicationError(
            _("The document has no page %(page)s.") % {"page": page + 1}, "page_missing", field="page"
        )
    box = pages[page]
    if (
        width <= 0
        or height <= 0
        or x < box["left"] - 0.5
        or y < box["bottom"] - 0.5
        or x + width > box["right"] + 0.5
        or y + height > box["top"] + 0.5
    ):
        raise ApplicationError(_("The seal must lie entirely on the page."), "placement_outside", field="x")


@transaction.atomic
def placement_add(
    *,
    document: Document,
    company: Company,
    seal_id,
    page: int,
    x: float,
    y: float,
    width: float | None = None,
    height: float | None = None,
    acting_user,
) -> Placement:
    authority_check_for(acting_user=acting_user, company=company, action=Action.DOCUMENT_PLACE)
    document_assert_sealable(document)
    seal = seal_usable_get(company=company, seal_id=seal_id)
    face = seal_face(seal)
    if width is None and 0 <= page < len(document.current_version.pages):  # true size, whatever /UserUnit says
        width, _height = seal_size_on_page(
            face.width_mm, face.height_mm, PageBox(**document.current_version.pages[page])
        )
    width = width or face.width_mm * MM
    height = height or width * face.height_mm / face.width_mm  # keep the seal's aspect ratio
    placement_rectangle_check(document, page=page, x=x, y=y, width=width, height=height)
    placement = Placement.objects.create(
        document=document, seal_id=seal.pk, page=page, x=x, y=y, width=width, height=height
    )
    audit_event_record(
        acting_user=acting_user,
        action="document.placement_added",
        target=document,
        data={"seal": seal.code, "page": page + 1},
    )
    return placement


def placement_add_at_text(*, document: Document, company: Company, seal_id, text: str, acting_user) -> list[Placement]:
    """One placement centred on every occurrence of `text` (e.g. 盖章处), kept on the page."""
    authority_check_for(acting_user=acting_user, company=company, action=Action.DOCUMENT_PLACE)
    document_assert_sealable(document)
    from documents.pdf.keyword import find_text

    text = text.strip()
    if not text:
        raise ApplicationError(_("Enter the text to look for."), "text_missing", field="text")
    seal = seal_usable_get(company=company, seal_id=seal_id)
    face = seal_face(seal)
    width, height = face.width_mm * MM, face.height_mm * MM
    with document.current_version.file.open("rb") as handle:
        data = handle.read()
    try:
        hits = pdf_read_limited(find_text, data, text)
    except LimitExceeded as exceeded:
        raise ApplicationError(
            _("This file's text could not be searched: the file is too large or too complex."),
            "text_search_too_complex",
            status=422,
            field="text",
        ) from exceeded
    if not hits:
        raise ApplicationError(
            _("“%(text)s” does not appear in the document.") % {"text": text}, "text_not_found", field="text"
        )
    placements = []
    with transaction.atomic():
        for hit in hits:
            box = document.current_version.pages[hit.page]
            centre_x, centre_y = hit.centre
            x = min(max(centre_x - width / 2, box["left"]), box["right"] - width)
            y = min(max(centre_y - height / 2, box["bottom"]), box["top"] - height)
            placements.append(
                placement_add(
                    document=document,
                    company=company,
                    seal_id=seal.pk,
                    page=hit.page,
                    x=x,
                    y=y,
                    acting_user=acting_user,
                )
            )
    return placements


@transaction.atomic
def placement_add_cross_page(
    *, document: Document, company: Company, seal_id, y: float | None = None, acting_user
) -> Placement:
    """骑缝章: one seal split over the right edges of all pages, covered by one signature."""
    authority_check_for(acting_user=acting_user, company=company, action=Action.DOCUMENT_PLACE)
    document_assert_sealable(document, cross_page=True)
    version = document.current_version
    if version.page_count < 2:
        raise ApplicationError(_("A cross-page seal needs a document of two pages or more."), "cross_page_single_page")
    seal = seal_usable_get(company=company, seal_id=seal_id)
    face = seal_face(seal)
    width, height = face.width_mm * MM, face.height_mm * MM
    lowest_top = min(page["top"] for page in version.pages)
    highest_bottom = max(page["bottom"] for page in version.pages)
    if y is None:
        y = (lowest_top + highest_bottom) / 2 - height / 2
    if y < highest_bottom or y + height > lowest_top:
        raise ApplicationError(_("The seal must lie entirely on the page."), "placement_outside", field="y")
    placement = Placement.objects.create(
        document=document, seal_id=seal.pk, kind=Placement.Kind.CROSS_PAGE, page=0, x=0, y=y, width=width, height=height
    )
    audit_event_record(
        acting_user=acting_user,
        action="document.placement_added",
        target=document,
        data={"seal": seal.code, "cross_page": True},
    )
    return placement


@transaction.atomic
def placement_update(*, placement: Placement, x: float, y: float, width: float, acting_user) -> Placement:
    """Move or resize; the seal keeps its proportions (height follows width)."""
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.DOCUMENT_PLACE)
    if placement.kind != Placement.Kind.SINGLE:
        raise ApplicationError(_("A cross-page seal is moved by removing and adding it again."), "cross_page_fixed")
    if not 20 <= width <= 600:
        raise ApplicationError(_("The seal would be too small or too large."), "placement_size", field="width")
    height = width * placement.height / placement.width
    placement_rectangle_check(placement.document, page=placement.page, x=x, y=y, width=width, height=height)
    placement.x, placement.y, placement.width, placement.height = x, y, width, height
    placement.save(update_fields=["x", "y", "width", "height"])
    return placement


@transaction.atomic
def placement_remove(*, placement: Placement, acting_user) -> None:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.DOCUMENT_PLACE)
    audit_event_record(
        acting_user=acting_user,
        action="document.placement_removed",
        target=placement.document,
        data={"page": placement.page + 1},
    )
    placement.delete()


def seal_use_assert_allowed(*, seal: Seal, user: User, company: Company, document: Document) -> SealUseRequest | None:
    """None when the user may use the seal directly; otherwise the seal-use approval that
    allows this use (consumed when the grant is created)."""
    membership = Membership.objects.select_related("user").filter(user=user, company=company).first()
    if membership is None:
        raise ApplicationError(_("Only members of the company can use its seals."), "not_member", status=403)
    if seal_member_may_use_directly(seal=seal, membership=membership):
        return None
    approval = seal_use_approval_usable(seal_id=seal.pk, user_id=user.pk, document=document)
    if approval is None:
        raise ApplicationError(
            _("You are not authorised to use this seal. Ask the seal keeper for seal-use approval."),
            "seal_not_authorised",
            status=403,
        )
    return approval


def seal_use_prepare(
    *, document: Document, company: Company, seal_id, user: User
) -> tuple[Seal, SealUseRequest | None, list[Placement]]:
    """The checks before any use of a seal on a document: usable seal, the user's right
    (directly or by an approval that covers these placements), something placed."""
    document_assert_not_in_envelope(document)
    seal = seal_usable_get(company=company, seal_id=seal_id)
    approval = seal_use_assert_allowed(seal=seal, user=user, company=company, document=document)
    placements = list(document.placements.filter(seal_id=seal.pk))
    if not placements:
        raise ApplicationError(_("Place the seal on the document first."), "no_placements")
    if approval is not None and not seal_use_placements_approved(approval=approval, placements=placements):
        raise ApplicationError(
            _("The seal was moved or added after the approval. Request seal-use approval again."),
            "placements_not_approved",
            status=409,
        )
    if approval is not None:  # before the seal password and code are spent
        seal_use_approver_assert_in_force(approval)
    return seal, approval, placements


def placements_as_data(placements: list[Placement]) -> list[dict]:
    return [
        {"page": p.page, "x": p.x, "y": p.y, "width": p.width, "height": p.height, "kind": p.kind} for p in placements
    ]


def document_seal_request(
    *,
    document: Document,
    company: Company,
    seal_id,
    user: User,
    seal_password: str,
    otp_method: str,
    otp_code: str,
    ip_address: str | None = None,
) -> SigningGrant:
    """The willingness check (seal password + one-time code) before any use of a seal.
    Returns a grant; the worker does the sealing. Wrong secrets count towards lockouts."""
    authority_check_for(acting_user=user, company=company, action=Action.DOCUMENT_SEAL)
    seal, approval, placements = seal_use_prepare(document=document, company=company, seal_id=seal_id, user=user)
    if seal.on_hardware_token:
        raise ApplicationError(
            _("This seal's key is on a hardware key (U-key): seal with the U-key."), "seal_on_hardware_key", status=409
        )
    data_key = seal_willingness_check(
        seal=seal,
        user=user,
        seal_password=seal_password,
        otp_method=otp_method,
        otp_code=otp_code,
        ip_address=ip_address,
    )
    with transaction.atomic():
        if approval is not None:
            # Under a row lock: two parallel confirmations cannot both take the last use.
            approval = seal_use_approval_consume(approval_id=approval.pk, seal_id=seal.pk, user=user, document=document)
        grant = signing_grant_create(
            document=document,
            seal_id=seal.pk,
            user_id=user.pk,
            user_label=str(user),
            placements=placements_as_data(placements),
            secret=data_key,
            evidence={
                "method": otp_method,
                "at": timezone.now().isoformat(),
                "ip": ip_address,
                "approval": str(approval.pk) if approval is not None else None,
            },
        )
        audit_event_record(
            acting_user=user,
            action="document.seal_requested",
            target=document,
            data={"seal": seal.code, "placements": len(placements), "grant": str(grant.pk)},
        )
    return grant


def seal_willingness_check(
    *, seal: Seal, user: User, seal_password: str, otp_method: str, otp_code: str, ip_address: str | None = None
) -> bytes:
    """One-time code, then the seal password: returns the seal's data key. Both count
    towards their lockouts."""
    second_factor_verify(
        user=user, method=otp_method, token=otp_code, ip_address=ip_address, purpose=OneTimeCode.Purpose.SEAL_USE
    )
    return seal_private_key_unlock(seal=seal, user=user, seal_password=seal_password, ip_address=ip_address)


def signing_grant_create(
    *,
    document: Document,
    seal_id,
    user_id,
    user_label: str,
    placements: list[dict],
    secret: bytes,
    evidence: dict,
    envelope_party_id=None,
    certificate_pem: str = "",
    certify: bool = False,
) -> SigningGrant:
    """The single-use grant and its job, queued after commit in the current schema.
    `secret` (a seal's data key or a person's one-off private key) is stored wrapped
    under the master key and dropped when the job ends. An envelope party's grant is
    created with the party row locked, so its open grant is found here: one signature
    request per party is accepted, however many arrive at once."""
    open_statuses = (SigningGrant.Status.PENDING, SigningGrant.Status.RUNNING)
    if (
        envelope_party_id
        and SigningGrant.objects.filter(envelope_party_id=envelope_party_id, status__in=open_statuses).exists()
    ):
        raise ApplicationError(
            _("Your signature is already being applied. Wait for it to finish."), "signing_in_progress", status=409
        )
    grant = SigningGrant(
        document=document,
        base_version=document.current_version,
        seal_id=seal_id,
        user_id=user_id,
        user_label=str(user_label)[:200],
        placements=placements,
        expires_at=timezone.now() + GRANT_LIFETIME,
        evidence=evidence,
        envelope_party_id=envelope_party_id,
        certificate_pem=certificate_pem,
        certify=certify,
    )
    grant.wrapped_data_key = encrypt(secret, purpose=GRANT_KEY_PURPOSE, associated_data=str(grant.pk).encode())
    grant.save()
    from config.celery import on_commit_enqueue
    from documents.tasks import document_seal

    on_commit_enqueue(document_seal, str(grant.pk))
    return grant


def document_seal_execute(*, grant_id) -> DocumentVersion | None:
    """Run by the worker. Idempotent: a grant produces at most one version; a crash before
    the commit leaves version N as it was and the grant re-runnable."""
    with stored_files_removed_on_failure(), transaction.atomic():
        grant = lock_row(SigningGrant, related=("document", "base_version"), pk=grant_id)
        if grant.status == SigningGrant.Status.DONE:
            return DocumentVersion.objects.get(grant=grant)
        if grant.status in (SigningGrant.Status.FAILED, SigningGrant.Status.EXPIRED):
            return None
        if grant.expires_at <= timezone.now():
            _grant_close(
                grant,
                SigningGrant.Status.EXPIRED,
                "expired",
            )
            return None
        grant.attempts += 1
        grant.status = SigningGrant.Status.RUNNING
        grant.save(update_fields=["attempts", "status"])
        document = lock_row(Document, pk=grant.document_id)
        base = grant.base_version
        if grant.envelope_party_id:
            # Parties acting in parallel each fill their own existing fields, so an
            # envelope job signs whatever version is newest (after checking it); the
            # first signature of the document certifies it.
            base = document.current_version
            grant.certify = base.signature_count == 0
        elif document.current_version_id != base.pk:
            _grant_close(grant, SigningGrant.Status.FAILED, "document_changed")
            return None
        with base.file.open("rb") as handle:
            data = handle.read()
        if sha256_of(data) != base.sha256:
            _grant_close(
                grant,
                SigningGrant.Status.FAILED,
                "fingerprint_mismatch",
            )
            if grant.envelope_party_id:
                from workflows.envelopes import envelope_integrity_alert

                envelope_integrity_alert(party_id=grant.envelope_party_id, version=base)
            return None
        if grant.envelope_party_id:
            from workflows.envelopes import envelope_party_may_sign

            if not envelope_party_may_sign(party_id=grant.envelope_party_id):
                _grant_close(grant, SigningGrant.Status.FAILED, "envelope_closed")
                return None
        secret = decrypt(
            bytes(grant.wrapped_data_key), purpose=GRANT_KEY_PURPOSE, associated_data=str(grant.pk).encode()
        )
        seal = None
        if grant.seal_id:
            seal = Seal.objects.select_related("company").get(pk=grant.seal_id)
            if seal.status != Seal.Status.ACTIVE:
                _grant_close(grant, SigningGrant.Status.FAILED, "seal_inactive")
                return None
            if not seal_user_authority_in_force(seal=seal, user_id=grant.user_id, evidence=grant.evidence):
                _grant_close(grant, SigningGrant.Status.FAILED, "authority_lost")
                return None
            signed = _stamp_all(data, grant=grant, signer=_seal_signer(seal, secret))
        else:
            signed = _stamp_all(data, grant=grant, signer=_person_signer(grant, secret))
        version = sealed_version_record(
            document=document,
            base=base,
            data=signed,
            new_signatures=len(grant.placements),
            label=grant.user_label,
            seal=seal,
            grant=grant,
            placements_used=seal is not None and not grant.envelope_party_id,
            placements=grant.placements,
        )
        _grant_close(grant, SigningGrant.Status.DONE)
        if grant.envelope_party_id:
            from workflows.envelopes import envelope_party_signed

            envelope_party_signed(party_id=grant.envelope_party_id, version=version)
        return version


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
) -> DocumentVersion:
    """The version a sealing job produced, on top of `base`: stored, previews queued,
    the seal's placements used up, audited. Called with the document row locked.
    `placements` (as in a grant) tell which pages the seals were drawn on; the other
    pages' images are copied from `base`. None: every page is rendered again."""
    drawn_pages = pages_drawn_on(placements) if placements is not None else None
    # Incremental signatures change no page boxes: reuse them instead of parsing again.
    info = PdfInfo(
        page_count=base.page_count,
        pages=[PageBox(**page) for page in base.pages],
        signatures=[None] * (base.signature_count + new_signatures),
        sealing_refusal=base.sealing_refusal,
    )
    version = document_version_create(
        document=document,
        number=base.number + 1,
        kind=DocumentVersion.Kind.SEALED,
        data=data,
        info=info,
        label=label,
        grant=grant,
    )
    _queue_previews(version, copy_from=None if drawn_pages is None else base, drawn_pages=drawn_pages)
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
        from events.webhooks import webhook_event_emit

        webhook_event_emit(
            event_type="document.sealed",
            data={
                "document_id": str(document.pk),
                "version": version.number,
                "sha256": version.sha256,
                "seal_code": seal.code if seal is not None else "",
            },
        )
    return version


def pages_drawn_on(placements: list[dict]) -> set[int] | None:
    """The pages a sealing draws on; None when it draws on every page (a cross-page seal)."""
    if any(placement.get("kind") == Placement.Kind.CROSS_PAGE for placement in placements):
        return None
    return {placement["page"] for placement in placements}


def document_seal_give_up(*, grant_id, error: str = "failed") -> None:
    """After the last retry: the job failed for good; say so and drop the key."""
    with transaction.atomic():
        grant = lock_row(SigningGrant, pk=grant_id)
        if grant.status in (SigningGrant.Status.PENDING, SigningGrant.Status.RUNNING):
            _grant_close(grant, SigningGrant.Status.FAILED, error)


def seal_user_authority_in_force(*, seal: Seal, user_id, evidence: dict) -> bool:
    """Checked again when the worker applies a confirmed seal: the person must still be a
    member in good standing of the seal's company and still may use the seal, directly or
    by an approval whose approver still may grant it."""
    from tenants.selectors import membership_in_force
    from workflows.approvals import seal_use_approver_in_force
    from workflows.models import SealUseRequest

    membership = membership_in_force(user_id=user_id, company=seal.company)
    if membership is None:
        return False
    approval_id = evidence.get("approval")
    if approval_id:
        approval = SealUseRequest.objects.filter(pk=approval_id).first()
        return approval is not None and seal_use_approver_in_force(approval)
    return seal_member_may_use_directly(seal=seal, membership=membership)


def _grant_close(grant: SigningGrant, status: str, error: str = "") -> None:
    grant.status = status
    grant.error = error
    grant.wrapped_data_key = None  # the key never outlives the job
    grant.finished_at = timezone.now()
    grant.save(update_fields=["status", "error", "wrapped_data_key", "finished_at"])


@dataclass(frozen=True)
class _Signer:
    signing_key: SigningKey
    appearance_pdf: bytes
    field_prefix: str
    reason: str
    national: NationalSigning | None = None  # dual signing: the SM2 signature as well


def _pem(certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def platform_timestamping() -> Timestamping:
    """The platform TSA, for signatures' timestamps and closing document timestamps."""
    tsa_key, tsa_cert = pki.authority(pki.Role.TSA)
    return Timestamping(
        tsa_private_key=tsa_key,
        tsa_certificate_pem=_pem(tsa_cert),
        root_certificate_pem=_pem(pki.certificate(pki.Role.ROOT)),
    )


def _platform_chain_pem() -> list[str]:
    return [_pem(pki.certificate(pki.Role.SEAL_CA)), _pem(pki.certificate(pki.Role.ROOT))]


def seal_chain_pem(seal: Seal) -> list[str]:
    """The CA certificates embedded with a seal's signature, issuer first."""
    chain_pem = _platform_chain_pem() if seal.issuer == Seal.Issuer.PLATFORM else []
    if seal.chain_pem:
        chain_pem += [_pem(c) for c in x509.load_pem_x509_certificates(seal.chain_pem.encode())]
    return chain_pem


def seal_reason(seal: Seal) -> str:
    return _("Sealed with %(seal)s") % {"seal": seal.name}


def _seal_signer(seal: Seal, data_key: bytes) -> _Signer:
    private_key = keys.decrypt_private_key(
        seal.protected_key, data_key, context=str(seal.application_id or seal.pk).encode()
    )
    return _Signer(
        signing_key=SigningKey(
            private_key=private_key, certificate_pem=seal.certificate_pem, chain_pem=seal_chain_pem(seal)
        ),
        appearance_pdf=seal_pdf(seal_face(seal)),
        field_prefix=f"Seal-{seal.code}",
        reason=seal_reason(seal),
        national=_national_signing(seal, data_key),
    )


def _national_signing(seal: Seal, data_key: bytes) -> NationalSigning | None:
    """The SM2 side of dual signing, when the seal has it switched on."""
    if not (seal.dual_signing and seal.has_national_seal):
        return None
    from asn1crypto import pem

    return NationalSigning(
        key_pair=seal_sm2_key(seal=seal, data_key=data_key),
        certificate_der=pem.unarmor(seal.sm2_certificate_pem.encode())[2],
        seal_der=bytes(seal.national_seal_der),
    )


def _person_signer(grant: SigningGrant, private_key_der: bytes) -> _Signer:
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    from seals.image import signature_pdf

    return _Signer(
        signing_key=SigningKey(
            private_key=load_der_private_key(private_key_der, password=None),
            certificate_pem=grant.certificate_pem,
            chain_pem=_platform_chain_pem(),
        ),
        appearance_pdf=signature_pdf(grant.user_label, timezone.localdate().isoformat()),
        field_prefix="Signature",
        reason=_("Signed by %(name)s") % {"name": grant.user_label},
    )


def _stamp_all(data: bytes, *, grant: SigningGrant, signer: _Signer) -> bytes:
    timestamping = platform_timestamping()
    for index, placement in enumerate(grant.placements):
        existing_field = placement.get("field_name", "")
        data = stamp_and_sign(
            data,
            placement=PdfPlacement(**{k: v for k, v in placement.items() if k != "field_name"}),
            appearance_pdf=signer.appearance_pdf,
            signing_key=signer.signing_key,
            timestamping=timestamping,
            field_name=existing_field or f"{signer.field_prefix}-{grant.pk.hex[:8]}-{index + 1}",
            existing_field=bool(existing_field),
            reason=signer.reason,
            # Approval signatures for direct sealing: a certification would forbid the
            # signature fields later sealings add. Envelopes create every field up front,
            # so their first signature may certify.
            certify=grant.certify and index == 0,
            national=signer.national,
        )
    return data


STALE_GRANT_AGE = timedelta(seconds=60)


def document_seal_requeue_stale(*, older_than: timedelta = STALE_GRANT_AGE) -> int:
    """Queue again the sealing jobs of this company whose worker vanished (killed, machine
    lost) or whose message the broker lost. Safe: a job seals at most once per grant, and a
    U-key signature is embedded at most once per session."""
    from documents.tasks import document_seal

    cutoff = timezone.now() - older_than
    stale = SigningGrant.objects.filter(
        status__in=[SigningGrant.Status.PENDING, SigningGrant.Status.RUNNING],
        created_at__lt=cutoff,
        expires_at__gt=timezone.now(),
    ).values_list("pk", flat=True)
    count = 0
    for grant_id in stale:
        document_seal.delay(str(grant_id))
        count += 1
    # A U-key's signature that arrived but whose embedding job was lost (the broker was away).
    from documents.tasks import document_seal_session_finish

    finishing = SigningSession.objects.filter(status=SigningSession.Status.FINISHING, created_at__lt=cutoff)
    for session_id in finishing.values_list("pk", flat=True):
        document_seal_session_finish.delay(str(session_id))
        count += 1
    return count


@transaction.atomic
def document_receive(*, name: str, data: bytes, source_label: str) -> Document:
    """A copy another company delivered (a completed envelope), filed in this company's
    documents as received; the bytes are kept exactly as delivered."""
    info = _inspect(data)
    document = Document.objects.create(name=name[:255], created_by_label=source_label[:200])
    version = document_version_create(
        document=document, number=1, kind=DocumentVersion.Kind.RECEIVED, data=data, info=info, label=source_label
    )
    _queue_previews(version)
    audit_event_record(
        acting_user=None,
        actor_label=source_label,
        action="document.received",
        target=document,
        data={"name": document.name, "sha256": version.sha256},
    )
    return document
