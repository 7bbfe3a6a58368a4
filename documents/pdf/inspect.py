"""What a PDF is, before we accept it: pages, boxes, encryption, existing signatures.
Pure function over bytes; raises InvalidPdf with a code the caller turns into a message."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

PDF_MAGIC = b"%PDF-"


class InvalidPdf(ValueError):
    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class PageBox:
    """The visible page (CropBox) in PDF user space, and its rotation."""

    left: float
    bottom: float
    right: float
    top: float
    rotation: int

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom


@dataclass(frozen=True)
class SignatureInfo:
    field_name: str
    signer: str


@dataclass(frozen=True)
class PdfInfo:
    page_count: int
    pages: list[PageBox]
    signatures: list[SignatureInfo] = field(default_factory=list)


def inspect_pdf(data: bytes, *, max_pages: int = 2000) -> PdfInfo:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pypdf.errors import PyPdfError

    head = data[:1024]
    if PDF_MAGIC not in head:
        raise InvalidPdf("not_pdf")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise InvalidPdf("encrypted")
        page_count = int(reader.root["/Pages"]["/Count"])
        if page_count < 1:
            raise InvalidPdf("no_pages")
        if page_count > max_pages:
            raise InvalidPdf("too_many_pages", str(page_count))
        pages = _page_boxes(data)
        signatures = [
            SignatureInfo(field_name=sig.field_name, signer=_signer_name(sig))
            for sig in reader.embedded_regular_signatures
        ]
    except InvalidPdf:
        raise
    except (PdfError, PyPdfError, KeyError, ValueError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise InvalidPdf("malformed", str(exc)[:200]) from exc
    if len(pages) != page_count:
        raise InvalidPdf("malformed", "page tree does not match its count")
    return PdfInfo(page_count=page_count, pages=pages, signatures=signatures)


def inspect_pdf_or_reason(data: bytes, *, max_pages: int = 2000) -> PdfInfo | InvalidPdf:
    """`inspect_pdf` for a sandbox (documents/pdf/limits.py): the refusal comes back as a
    value, since the child reports raised exceptions only as a crash."""
    try:
        return inspect_pdf(data, max_pages=max_pages)
    except InvalidPdf as refusal:
        return refusal


def _page_boxes(data: bytes) -> list[PageBox]:
    """pypdf resolves boxes inherited from the page tree; the CropBox is what viewers show."""
    from pypdf import PdfReader

    boxes = []
    for page in PdfReader(io.BytesIO(data), strict=False).pages:
        crop = page.cropbox
        boxes.append(
            PageBox(float(crop.left), float(crop.bottom), float(crop.right), float(crop.top), page.rotation % 360)
        )
    return boxes


def _signer_name(signature) -> str:
    try:
        return signature.signer_cert.subject.human_friendly
    except Exception:  # an unreadable signature is still reported, without a name
        return ""
