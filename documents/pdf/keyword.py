"""Find text on the pages (pypdfium2) to place a seal on it, e.g. 盖章处."""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2

from sealcore.ofd.render import ofd_to_pdf
from sealcore.pdfium import PDFIUM_LOCK


@dataclass(frozen=True)
class TextHit:
    page: int
    left: float
    bottom: float
    right: float
    top: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.left + self.right) / 2, (self.bottom + self.top) / 2


def find_text(data: bytes, text: str, *, max_hits: int = 50) -> list[TextHit]:
    """Every occurrence of `text`, in PDF user space, page by page."""
    hits: list[TextHit] = []
    with PDFIUM_LOCK:
        return _find_text(pypdfium2.PdfDocument(data), text, hits, max_hits)


def find_text_ofd(data: bytes, text: str, *, max_hits: int = 50) -> list[TextHit]:
    """`find_text` over an OFD file's pages drawn as PDF (sealcore/ofd/render.py): the same
    page size in points, so a hit is where the text is on the OFD page."""
    return find_text(ofd_to_pdf(data).pdf, text, max_hits=max_hits)


def _find_text(document, text: str, hits: list[TextHit], max_hits: int) -> list[TextHit]:
    try:
        for page_index in range(len(document)):
            textpage = document[page_index].get_textpage()
            searcher = textpage.search(text, match_case=False, match_whole_word=False)
            while (occurrence := searcher.get_next()) is not None and len(hits) < max_hits:
                start, count = occurrence
                boxes = [textpage.get_charbox(index) for index in range(start, start + count)]
                hits.append(
                    TextHit(
                        page=page_index,
                        left=min(box[0] for box in boxes),
                        bottom=min(box[1] for box in boxes),
                        right=max(box[2] for box in boxes),
                        top=max(box[3] for box in boxes),
                    )
                )
            if len(hits) >= max_hits:
                break
    finally:
        document.close()
    return hits
