"""Seal faces: true size, red, the right shape. Pixel checks on the PNG preview."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from PIL import Image

from seals.image import face_for, seal_pdf, seal_picture_png, seal_png

DPI = 100


def _render(seal_type: str) -> Image.Image:
    face = face_for(
        seal_type=seal_type,
        company_name="演示科技有限公司",
        seal_name="张三",
        code="1100000000177",
        uscc="91110000802100433B",
    )
    return Image.open(io.BytesIO(seal_png(face, dpi=DPI))).convert("RGBA")


def _is_red(pixel) -> bool:
    red, green, blue, alpha = pixel
    return alpha > 200 and red > 180 and green < 90 and blue < 90


def _px(mm: float) -> int:
    return round(mm / 25.4 * DPI)


def test_round_seal_is_42_mm_red_ring_with_a_star_and_clear_corners():
    image = _render("contract")
    assert abs(image.width - _px(42)) <= 1 and abs(image.height - _px(42)) <= 1
    cx, cy = image.width // 2, image.height // 2
    radius = (image.width - _px(1.2)) / 2
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        assert _is_red(image.getpixel((round(cx + dx * radius), round(cy + dy * radius)))), (dx, dy)
    assert _is_red(image.getpixel((cx, cy - _px(1))))  # the star's centre
    for corner in ((1, 1), (image.width - 2, 1), (1, image.height - 2), (image.width - 2, image.height - 2)):
        assert image.getpixel(corner)[3] == 0  # transparent outside the circle
    colours = {pixel[:3] for _count, pixel in image.getcolors(maxcolors=image.width * image.height) if pixel[3] > 200}
    assert all(red > green + 60 for red, green, blue in colours)  # nothing but red ink


def test_invoice_seal_is_a_40_by_30_ellipse():
    image = _render("invoice")
    assert abs(image.width - _px(40)) <= 1 and abs(image.height - _px(30)) <= 1
    assert _is_red(image.getpixel((_px(0.5), image.height // 2)))
    assert image.getpixel((_px(2), _px(2)))[3] == 0


def test_personal_seal_is_square():
    image = _render("legal_representative")
    assert image.width == image.height == pytest.approx(_px(20), abs=1)
    assert _is_red(image.getpixel((_px(0.5), _px(10)))) and _is_red(image.getpixel((_px(10), _px(0.5))))


def test_pdf_is_one_true_size_page_without_fonts():
    face = face_for(seal_type="official", company_name="演示科技有限公司", seal_name="", code="1100000000177", uscc="")
    data = seal_pdf(face)
    document = pypdfium2.PdfDocument(data)
    width, height = document[0].get_size()
    assert len(document) == 1
    assert width == pytest.approx(42 / 25.4 * 72, abs=0.5) and height == pytest.approx(42 / 25.4 * 72, abs=0.5)
    assert b"/FontFile" not in data  # text is vector outlines, nothing to substitute


@pytest.mark.parametrize("seal_type", ["contract", "legal_representative"])
def test_the_national_seal_picture_is_the_same_face_in_far_fewer_bytes(seal_type):
    """The picture a national-format seal carries (in every sealed file): same pixels and
    print resolution as the preview, one ink, coverage in 16 levels, far fewer bytes."""
    face = face_for(
        seal_type=seal_type,
        company_name="演示科技有限公司",
        seal_name="合同专用章",
        code="1100000000013",
        uscc="91110000802100433B",
    )
    preview, picture = seal_png(face), seal_picture_png(face)
    assert picture.startswith(b"\x89PNG") and len(picture) * 1.8 < len(preview), (len(picture), len(preview))
    full = Image.open(io.BytesIO(preview)).convert("RGBA")
    compact = Image.open(io.BytesIO(picture)).convert("RGBA")
    assert compact.size == full.size
    full_alpha, compact_alpha = full.getchannel("A").tobytes(), compact.getchannel("A").tobytes()
    assert max(abs(a - b) for a, b in zip(full_alpha, compact_alpha, strict=True)) <= 9  # half of 255/15
    pixels = zip(*(compact.getchannel(band).tobytes() for band in "RGBA"), strict=True)
    inked = [pixel for pixel in pixels if pixel[3] > 200]
    assert inked and all(_is_red(pixel) for pixel in inked)
