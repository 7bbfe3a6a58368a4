"""What an uploaded OFD file is, before it is accepted: its pages (as boxes in PDF points, so
that placements, previews and the PDF viewing copy share one coordinate system with PDF
documents), its signatures, and whether a seal can be added. A pure function over bytes,
meant for the limited child process; refusals come back as values (a child reports raised
exceptions only as a crash)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sealcore.ofd.container import DEFAULT_LIMITS, Limits
from sealcore.ofd.errors import OfdError, SealingRefused
from sealcore.ofd.package import open_ofd
from sealcore.ofd.seal import refuse_if_list_protected

POINTS_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class OfdRefusal:
    code: str
    detail: str = ""


@dataclass(frozen=True)
class OfdInfo:
    page_count: int
    pages: list[dict]  # {left, bottom, right, top, rotation, user_unit} in points, like a PDF page
    pages_mm: list[tuple[float, float]]  # (width, height) of each page in millimetres
    signature_count: int
    # Why no seal may be added ("signature_list_protected", "broken_signature"), or "".
    sealing_refusal: str = ""
    deviations: list[str] = field(default_factory=list)


def inspect_ofd(data: bytes, *, max_pages: int = 2000, limits: Limits = DEFAULT_LIMITS) -> OfdInfo:
    """Raises OfdError (a container, XML or structure refusal)."""
    package = open_ofd(data, limits)
    if len(package.documents) != 1:
        raise OfdError("the package holds several documents", code="several_documents")
    document = package.documents[0]
    if len(document.pages) > max_pages:
        raise OfdError("too many pages", code="too_many_pages")
    refusal = ""
    try:
        refuse_if_list_protected(package, document, limits)
    except SealingRefused as error:
        refusal = error.code
    except OfdError:
        refusal = "broken_signature"
    pages = []
    for page in document.pages:
        width, height = page.box.width * POINTS_PER_MM, page.box.height * POINTS_PER_MM
        pages.append({"left": 0.0, "bottom": 0.0, "right": width, "top": height, "rotation": 0, "user_unit": 1.0})
    return OfdInfo(
        page_count=len(document.pages),
        pages=pages,
        pages_mm=[(page.box.width, page.box.height) for page in document.pages],
        signature_count=len(document.signatures),
        sealing_refusal=refusal,
        deviations=list(package.deviations),
    )


def inspect_ofd_or_reason(data: bytes, *, max_pages: int = 2000) -> OfdInfo | OfdRefusal:
    try:
        return inspect_ofd(data, max_pages=max_pages)
    except OfdError as error:
        return OfdRefusal(code=error.code, detail=str(error)[:200])
