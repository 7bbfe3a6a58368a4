"""Reading uploaded PDF and OFD files: the upload checks and the sandbox every read of an
uploaded file runs in."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from documents.models import DocumentVersion
from documents.pdf.active_content import active_content_find
from documents.pdf.inspect import InvalidPdf, PageBox, PdfInfo, inspect_pdf_or_reason
from documents.pdf.limits import LimitExceeded, memory_for_file, run_limited
from sealcore.ofd.inspect import OfdInfo, OfdRefusal, inspect_ofd_or_reason
from sealcore.ofd.package import is_ofd

INVALID_PDF_MESSAGES = {
    "not_pdf": lambda: _("This file is neither a PDF nor an OFD file. Only PDF and OFD documents can be sealed."),
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


# OFD refusals (sealcore/ofd codes) by what the person can do about them; any other code
# is a damaged structure.
OFD_UNSAFE_CODES = {
    "not_zip",
    "broken_zip",
    "unsafe_path",
    "duplicate_entry",
    "encrypted_entry",
    "unsupported_compression",
    "zip_bomb",
    "too_many_entries",
    "xml_entities",
    "xml_too_large",
}
INVALID_OFD_MESSAGES = {
    "unsafe": lambda: _(
        "This OFD file is packed in a way that is unsafe to open (paths leaving the package, duplicate or "
        "encrypted entries, entities, or contents that inflate far beyond the file's size). Nothing was stored."
    ),
    "too_large": lambda: _("The file is larger than %(limit)s MB.")
    % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
    "too_many_pages": lambda: _("This OFD file has more than %(limit)s pages.")
    % {"limit": settings.DOCUMENT_MAX_PAGES},
    "page_too_large": lambda: _("A page of this OFD file is larger than allowed."),
    "several_documents": lambda: _(
        "This OFD file holds several documents. Only OFD files with one document can be sealed here."
    ),
    "too_complex": lambda: _("This OFD file is too large or too complex to be read here."),
    "malformed": lambda: _(
        "This OFD file is damaged or incomplete and cannot be read (%(detail)s). Save it again from the original "
        "program."
    ),
}


def _invalid_ofd(refusal: OfdRefusal) -> ApplicationError:
    if refusal.code in OFD_UNSAFE_CODES:
        key = "unsafe"
    elif refusal.code in INVALID_OFD_MESSAGES:
        key = refusal.code
    else:
        key = "malformed"
    message = INVALID_OFD_MESSAGES[key]()
    if key == "malformed":
        message = message % {"detail": refusal.code}  # a code, never text from the file
    status = 422 if key == "too_complex" else 400
    return ApplicationError(message, f"ofd_{key}", status=status, field="file")


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


def upload_format(data: bytes) -> str:
    """Told by content, never by the name: an OFD is a zip whose root holds OFD.xml."""
    return DocumentVersion.Format.OFD if is_ofd(data) else DocumentVersion.Format.PDF


def document_inspect_upload(data: bytes) -> tuple[str, PdfInfo]:
    """The upload checks of either format: (format, what the file is). Raises
    ApplicationError with the reason a file is refused; nothing is stored then."""
    if upload_format(data) == DocumentVersion.Format.OFD:
        return DocumentVersion.Format.OFD, ofd_inspect_upload(data)
    return DocumentVersion.Format.PDF, pdf_inspect_upload(data)


def ofd_inspect_upload(data: bytes) -> PdfInfo:
    """The container, every XML part and the structure of an OFD file, read in the limited
    child process like a PDF; the pages as PDF page boxes in points (see sealcore/ofd/inspect.py)."""
    _refuse_too_large(data)
    try:
        result = pdf_read_limited(inspect_ofd_or_reason, data, max_pages=settings.DOCUMENT_MAX_PAGES)
    except LimitExceeded:
        result = OfdRefusal("too_complex")
    if isinstance(result, OfdRefusal):
        raise _invalid_ofd(result)
    return ofd_info_as_pdf_info(result)


def ofd_info_as_pdf_info(info: OfdInfo) -> PdfInfo:
    return PdfInfo(
        page_count=info.page_count,
        pages=[PageBox(**page) for page in info.pages],
        signatures=[None] * info.signature_count,
        sealing_refusal=info.sealing_refusal,
    )


def _refuse_too_large(data: bytes) -> None:
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than %(limit)s MB.") % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
            "file_too_large",
            status=413,
            field="file",
        )


def pdf_inspect_upload(data: bytes) -> PdfInfo:
    _refuse_too_large(data)
    try:
        result = pdf_read_limited(inspect_pdf_or_reason, data, max_pages=settings.DOCUMENT_MAX_PAGES)
    except LimitExceeded:
        result = InvalidPdf("too_complex")
    if isinstance(result, InvalidPdf):
        status = 422 if result.code == "too_complex" else 400
        raise ApplicationError(_invalid_pdf_message(result), f"pdf_{result.code}", status=status, field="file")
    return result


def pdf_active_content(data: bytes) -> dict:
    """What in the file runs or opens something (DocumentVersion.active_content). A file that
    cannot be analysed is still accepted: the answer says so ("unknown") instead of refusing."""
    try:
        found = pdf_read_limited(active_content_find, data)
    except LimitExceeded:
        return {"kinds": [], "web_links": 0, "unknown": True}
    return found.as_data()


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
