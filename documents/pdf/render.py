"""Page previews (pypdfium2). pdfium applies the page's /Rotate and CropBox, so the image
shows exactly what a viewer shows."""

from __future__ import annotations

from documents.pdf.pdfium import PDFIUM_LOCK, bitmap_png


def render_page_png(data: bytes, page_index: int, *, width_px: int) -> bytes:
    import pypdfium2

    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(data)
        try:
            document.init_forms()  # without it pdfium skips widget appearances: seals would not show
            page = document[page_index]
            width_pt, _height_pt = page.get_size()  # already rotated and cropped
            return bitmap_png(page.render(scale=width_px / width_pt, may_draw_forms=True), optimize=True)
        finally:
            document.close()


def render_pages_png(data: bytes, *, widths: tuple[int, ...]):
    """Yield (page index, {width: png}) for every page, opening the document once. The lock
    is held per page, never while the caller handles a yielded page."""
    import pypdfium2

    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(data)
        document.init_forms()
        count = len(document)
    try:
        for index in range(count):
            with PDFIUM_LOCK:
                page = document[index]
                try:
                    width_pt, _height_pt = page.get_size()
                    images = {
                        width: bitmap_png(page.render(scale=width / width_pt, may_draw_forms=True), optimize=True)
                        for width in widths
                    }
                finally:
                    page.close()
            yield index, images
    finally:
        with PDFIUM_LOCK:
            document.close()
