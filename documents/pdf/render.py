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
