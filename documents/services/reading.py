"""Reading uploaded PDFs: the upload checks and the sandbox every read of an uploaded
PDF runs in."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from documents.pdf.active_content import active_content_find
from documents.pdf.inspect import InvalidPdf, PdfInfo, inspect_pdf_or_reason
from documents.pdf.limits import LimitExceeded, memory_for_file, run_limited

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


def pdf_inspect_upload(data: bytes) -> PdfInfo:
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
