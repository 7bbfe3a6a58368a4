"""Page previews (pypdfium2). pdfium applies the page's /Rotate and CropBox, so the image
shows exactly what a viewer shows."""

from __future__ import annotations

import io


def render_page_png(data: bytes, page_index: int, *, width_px: int) -> bytes:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        document.init_forms()  # without it pdfium skips widget appearances: seals would not show
        page = document[page_index]
        width_pt, _height_pt = page.get_size()  # already rotated and cropped
        bitmap = page.render(scale=width_px / width_pt, may_draw_forms=True)
        image = bitmap.to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def render_pages_png(data: bytes, *, widths: tuple[int, ...]):
    """Yield (page index, {width: png}) for every page, opening the document once."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        document.init_forms()
        for index in range(len(document)):
            page = document[index]
            width_pt, _height_pt = page.get_size()
            images = {}
            for width in widths:
                image = page.render(scale=width / width_pt, may_draw_forms=True).to_pil()
                buffer = io.BytesIO()
                image.save(buffer, format="PNG", optimize=True)
                images[width] = buffer.getvalue()
            yield index, images
    finally:
        document.close()
