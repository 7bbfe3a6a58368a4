"""Independent checks of a sealed file (pyHanko and pdfium, not Sealhub's own verifier):
every signature valid, the newest covering the whole file, earlier signatures and
certifications still within their permissions; where the seal landed; what form fields look like."""

from __future__ import annotations

import io

import pypdfium2
from PIL import Image, ImageChops
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext

from documents.pdf.inspect import PageBox, page_boxes
from sealcore.pdfium import PDFIUM_LOCK
from tests.documents.pdfs import covers_whole_file

MM = 72 / 25.4
ALLOWED_FOR_EARLIER = {"NONE", "LTA_UPDATES", "FORM_FILLING"}


def assert_independently_valid(signed: bytes, *, trust_roots: list, new_signatures: int = 1) -> list:
    """Returns the statuses, oldest first."""
    reader = PdfFileReader(io.BytesIO(signed))
    if reader.encrypted:
        reader.decrypt(b"")
    signatures = reader.embedded_signatures
    assert signatures, "no signature in the sealed file"
    context = ValidationContext(trust_roots=trust_roots, allow_fetching=False, revocation_mode="soft-fail")
    statuses = []
    for index, signature in enumerate(signatures):
        newest = index == len(signatures) - 1
        if signature.sig_object_type == "/DocTimeStamp":
            status = validate_pdf_timestamp(signature, validation_context=context)
        else:
            status = validate_pdf_signature(signature, context)
        name = signature.field_name
        assert status.intact and status.valid, f"{name}: not intact/valid"
        if index >= len(signatures) - new_signatures:
            assert status.trusted, f"{name}: our seal is not trusted"
        if newest:
            # The whole file, or its revision followed only by its own B-LT validation data.
            assert covers_whole_file(status), f"{name}: {status.coverage} {status.modification_level}"
        else:
            level = status.modification_level.name if status.modification_level is not None else "UNKNOWN"
            assert level in ALLOWED_FOR_EARLIER, f"{name}: later changes {level}"
            assert getattr(status, "docmdp_ok", True) is not False, f"{name}: outside its DocMDP permissions"
        statuses.append(status)
    return statuses


def render(data: bytes, page_index: int = 0, *, scale: float = 4.0) -> Image.Image:
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(data, password="" if b"/Encrypt" in data else None)
        try:
            document.init_forms()
            page = document[page_index]
            bitmap = page.render(scale=scale, may_draw_forms=True)
            image = bitmap.to_pil().convert("RGB")
            bitmap.close()
            page.close()
            return image
        finally:
            document.close()


def displayed_fraction_to_user_space(box: PageBox, u: float, v: float) -> tuple[float, float]:
    """A point given as fractions (u across, v down) of the page as a viewer shows it,
    in PDF user space; /Rotate turns the page clockwise. Written here from the standard,
    not taken from the code under test."""
    w, h = box.width, box.height
    if box.rotation == 90:
        return box.left + v * w, box.bottom + u * h
    if box.rotation == 180:
        return box.right - u * w, box.bottom + v * h
    if box.rotation == 270:
        return box.right - v * w, box.top - u * h
    return box.left + u * w, box.top - v * h


def seal_rectangle(before: bytes, after: bytes, page_index: int = 0) -> tuple[float, float, float, float]:
    """Where the seal landed, in PDF user space: the bounding box of what changed between
    the renderings before and after sealing."""
    old, new = render(before, page_index), render(after, page_index)
    assert old.size == new.size
    difference = ImageChops.difference(old, new).convert("L").point(lambda value: 255 if value > 40 else 0)
    bbox = difference.getbbox()
    assert bbox is not None, "the seal does not show on the page"
    box = page_boxes(after)[page_index]
    corners = [
        displayed_fraction_to_user_space(box, x / new.width, y / new.height)
        for x in (bbox[0], bbox[2])
        for y in (bbox[1], bbox[3])
    ]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


def field_area_difference(before: bytes, after: bytes, rect: list[float], page_index: int = 0) -> tuple[float, int]:
    """(share of pixels that changed, pixels with ink before) inside a form field's
    rectangle (unrotated page)."""
    old, new = render(before, page_index), render(after, page_index)
    box = page_boxes(before)[page_index]
    scale = old.width / box.width
    left, bottom, right, top = rect
    crop = (
        int((left - box.left) * scale),
        int((box.top - top) * scale),
        int((right - box.left) * scale),
        int((box.top - bottom) * scale),
    )
    old_area, new_area = old.crop(crop).convert("L"), new.crop(crop).convert("L")
    changed = ImageChops.difference(old_area, new_area).point(lambda value: 255 if value > 40 else 0)
    total = old_area.width * old_area.height
    ink = sum(old_area.histogram()[:128])
    return changed.histogram()[255] / total, ink
