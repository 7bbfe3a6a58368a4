"""Find text on the pages (pypdfium2) to place a seal on it, e.g. 盖章处."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import pypdfium2
import pypdfium2.raw as pdfium_c

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


def text_lines(data: bytes, page_index: int, *, max_lines: int = 300) -> list[float]:
    """The baselines of the page's text lines (user-space y, bottom to top): where a seal
    or a signature box can snap its lower edge. A line is three or more characters whose
    origins share a height (within half a point)."""
    heights: dict[float, int] = {}
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(data)
        try:
            if not 0 <= page_index < len(document):
                return []
            page = document[page_index]
            textpage = page.get_textpage()
            try:
                x, y = ctypes.c_double(), ctypes.c_double()
                for index in range(textpage.count_chars()):
                    code = pdfium_c.FPDFText_GetUnicode(textpage, index)
                    if code > 0x10FFFF or chr(code).isspace():
                        continue
                    if pdfium_c.FPDFText_GetCharOrigin(textpage, index, ctypes.byref(x), ctypes.byref(y)):
                        key = round(y.value * 2) / 2
                        heights[key] = heights.get(key, 0) + 1
            finally:
                textpage.close()
                page.close()
        finally:
            document.close()
    lines: list[float] = []
    for height in sorted(height for height, count in heights.items() if count >= 3):
        if lines and height - lines[-1] < 1.5:
            continue  # the same line, a character set a little higher
        lines.append(height)
    return lines[:max_lines]
