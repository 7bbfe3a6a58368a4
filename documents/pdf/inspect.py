"""What a PDF is, before we accept it: pages, boxes, encryption, existing signatures, and
whether a seal can be added. Pure function over bytes; raises InvalidPdf with a code the
caller turns into a message. The sealing job runs the same checks (documents/pdf/
structure.py), so a file accepted here does not fail later in the worker."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from pypdf import PdfReader, PdfWriter

from documents.pdf.sign import trial_seal_refusal
from documents.pdf.structure import (
    PDF_MAGIC,
    READ_ERRORS,
    InvalidPdf,
    PageBox,
    PreparedField,
    certification_permission,
    changes_refusal_and_holder,
    is_permanent,
    may_restrict_changes,
    page_boxes,
    prepared_fields,
    seal_size_on_page,
    sealing_reader,
)

__all__ = [
    "InvalidPdf",
    "PageBox",
    "PdfInfo",
    "PreparedField",
    "SignatureInfo",
    "inspect_pdf",
    "is_permanent",
    "seal_size_on_page",
]


@dataclass(frozen=True)
class SignatureInfo:
    field_name: str
    signer: str


@dataclass(frozen=True)
class PdfInfo:
    page_count: int
    pages: list[PageBox]
    signatures: list[SignatureInfo] = field(default_factory=list)
    # Why no seal may be added ("certified_no_changes", "locked_by_signature"), or "".
    sealing_refusal: str = ""
    # The signatures the refusal is about (the certifying one, the one holding a lock).
    sealing_refusal_detail: str = ""
    # A certified document that allows signing (DocMDP P2/P3): the author's empty signature
    # fields a seal may fill, the only place one can go. None: a seal may go anywhere.
    prepared_fields: list[PreparedField] | None = None
    # The file rebuilt from damaged cross-reference data: stored as a first, normalised version.
    repaired: bytes | None = None


def inspect_pdf(data: bytes, *, max_pages: int = 2000) -> PdfInfo:
    head = data[:1024]
    if PDF_MAGIC not in head:
        raise InvalidPdf("not_pdf")
    repaired = None
    try:
        try:
            reader = sealing_reader(data)
        except InvalidPdf as refusal:
            if refusal.code != "malformed":
                raise
            repaired = _rebuilt(data, refusal)
            reader = sealing_reader(repaired)
        page_count = int(reader.root["/Pages"]["/Count"])
        if page_count < 1:
            raise InvalidPdf("no_pages")
        if page_count > max_pages:
            raise InvalidPdf("too_many_pages", str(page_count))
        pages = page_boxes(repaired or data)
        embedded = reader.embedded_regular_signatures
        signatures = [SignatureInfo(field_name=sig.field_name, signer=_signer_name(sig)) for sig in embedded]
        refusal, detail, fields = _sealing_terms(reader, repaired or data)
    except InvalidPdf:
        raise
    except READ_ERRORS as exc:
        raise InvalidPdf("malformed", str(exc)[:200]) from exc
    if len(pages) != page_count:
        raise InvalidPdf("malformed", "page tree does not match its count")
    return PdfInfo(
        page_count=page_count,
        pages=pages,
        signatures=signatures,
        sealing_refusal=refusal,
        sealing_refusal_detail=detail,
        prepared_fields=fields,
        repaired=repaired,
    )


# Each prepared field is tried with a trial seal: a document with more is sealed in the first ones.
MAX_PREPARED_FIELDS = 20


def _sealing_terms(reader, data: bytes) -> tuple[str, str, list[PreparedField] | None]:
    """(refusal, the signatures it is about, prepared fields). A certification that allows
    signing (P2, P3) is kept by filling a field the author prepared: pyHanko's difference
    analysis, like the strictest validators, accepts no new visible signature field after
    a certification (docs/architecture.md "Certified documents")."""
    if not may_restrict_changes(data):
        return "", "", None
    refusal, holder = changes_refusal_and_holder(reader)
    if refusal:
        return refusal, holder, None
    if certification_permission(reader) is None:
        refusal, broken = trial_seal_refusal(data)
        return refusal, broken, None
    free, lock_holders = prepared_fields(reader)
    usable = []
    for prepared in free[:MAX_PREPARED_FIELDS]:
        refusal, broken = trial_seal_refusal(data, field=prepared)
        if not refusal:
            usable.append(prepared)
        elif refusal == "locked_by_signature":
            lock_holders.append(broken)
    if usable:
        return "", "", usable
    if lock_holders:
        return "locked_by_signature", ", ".join(dict.fromkeys(lock_holders))[:200], None
    return "certified_fields_only", "", None


def inspect_pdf_or_reason(data: bytes, *, max_pages: int = 2000) -> PdfInfo | InvalidPdf:
    """`inspect_pdf` for a sandbox (documents/pdf/limits.py): the refusal comes back as a
    value, since the child reports raised exceptions only as a crash."""
    try:
        return inspect_pdf(data, max_pages=max_pages)
    except InvalidPdf as refusal:
        return refusal


def _rebuilt(data: bytes, refusal: InvalidPdf) -> bytes:
    """Damaged cross-reference data rebuilt by pypdf (which scans the file for objects).
    Only for a file nobody has signed or encrypted: rewriting would void a signature and
    drop the author's restrictions. Raises the original refusal when it cannot help."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted or _has_signature_values(reader):
            raise refusal
        writer = PdfWriter(clone_from=reader)
        output = io.BytesIO()
        writer.write(output)
    except InvalidPdf:
        raise
    except READ_ERRORS as exc:
        raise refusal from exc
    return output.getvalue()


def _has_signature_values(reader: PdfReader) -> bool:
    fields = reader.get_fields() or {}
    return any(value.get("/FT") == "/Sig" and value.get("/V") is not None for value in fields.values())


def _signer_name(signature) -> str:
    try:
        return str(signature.signer_cert.subject.human_friendly)
    except Exception:  # an unreadable signature is still reported, without a name
        return ""
