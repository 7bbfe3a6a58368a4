"""The mapping between the page a person sees and PDF user space (documents/pdf/geometry.py),
over each /Rotate, CropBox offsets, upside-down boxes and /UserUnit, checked both as
arithmetic and against where pdfium (which draws the previews) shows a rectangle."""

from __future__ import annotations

import io
from dataclasses import astuple

import pypdfium2
import pytest
from reportlab.pdfgen import canvas

from documents.pdf.geometry import (
    UserRect,
    ViewRect,
    page_box_from_data,
    user_rect_to_view,
    user_to_view,
    view_rect_mm,
    view_rect_to_user,
    view_size_mm,
    view_to_user,
)
from documents.pdf.sign import appearance_upright_on
from documents.pdf.structure import PageBox, page_boxes
from tests.documents.realworld_corpus import with_boxes

A4 = (595.0, 842.0)
CASES = [
    pytest.param(dict(), id="plain"),
    pytest.param(dict(rotate=90), id="rotate-90"),
    pytest.param(dict(rotate=180), id="rotate-180"),
    pytest.param(dict(rotate=270), id="rotate-270"),
    pytest.param(dict(crop=[40, 60, 500, 800]), id="crop-offset"),
    pytest.param(dict(rotate=90, crop=[40, 60, 500, 800]), id="rotate-90-crop-offset"),
    pytest.param(dict(rotate=270, crop=[500, 800, 40, 60]), id="rotate-270-crop-upside-down"),
    pytest.param(dict(rotate=180, media=[0, 842, 595, 0]), id="rotate-180-media-upside-down"),
    pytest.param(dict(user_unit=2.0), id="user-unit-2"),
    pytest.param(dict(rotate=90, user_unit=0.5, crop=[20, 30, 400, 700]), id="rotate-90-user-unit-crop"),
]


def _page_with_rectangle(rect: UserRect, **boxes) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFillColorRGB(0, 0, 0)
    pdf.rect(rect.x, rect.y, rect.width, rect.height, stroke=0, fill=1)
    pdf.showPage()
    pdf.save()
    return with_boxes(buffer.getvalue(), **boxes) if boxes else buffer.getvalue()


def _dark_box_on_render(data: bytes, *, width_px: int = 1200) -> ViewRect:
    """The dark rectangle's bounding box in pdfium's rendering, as view fractions."""
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        width_pt, _height_pt = page.get_size()
        image = page.render(scale=width_px / width_pt).to_pil()
    finally:
        document.close()
    dark = image.convert("L").point(lambda level: 255 if level < 128 else 0)
    left, top, right, bottom = dark.getbbox()
    width, height = dark.size
    return ViewRect(left / width, top / height, (right - left) / width, (bottom - top) / height)


@pytest.mark.parametrize("boxes", CASES)
def test_a_rectangle_is_shown_where_the_mapping_says(boxes):
    rect = UserRect(150, 200, 120, 80)
    data = _page_with_rectangle(rect, **boxes)
    box = page_boxes(data)[0]
    expected = user_rect_to_view(box, rect)
    shown = _dark_box_on_render(data)
    width_px = 1200
    height_px = width_px * (box.width / box.height if box.rotation % 180 == 90 else box.height / box.width)
    # Within a pixel and a half of pdfium's rendering (anti-aliased edges), at any unit size.
    for got, want, size in (
        (shown.left, expected.left, width_px),
        (shown.top, expected.top, height_px),
        (shown.width, expected.width, width_px),
        (shown.height, expected.height, height_px),
    ):
        assert abs(got - want) * size <= 1.5, (boxes, shown, expected)


@pytest.mark.parametrize("boxes", CASES)
def test_a_click_maps_to_the_point_under_it_and_back(boxes):
    box = page_boxes(_page_with_rectangle(UserRect(10, 10, 10, 10), **boxes))[0]
    for u, v in ((0, 0), (1, 1), (0.9, 0.1), (0.25, 0.9), (0.5, 0.5)):
        x, y = view_to_user(box, u, v)
        assert box.left - 1e-9 <= x <= box.right + 1e-9 and box.bottom - 1e-9 <= y <= box.top + 1e-9
        back = user_to_view(box, x, y)
        assert back == pytest.approx((u, v), abs=1e-12)
    view = ViewRect(0.1, 0.85, 0.3, 0.1)
    assert astuple(user_rect_to_view(box, view_rect_to_user(box, view))) == pytest.approx(astuple(view), abs=1e-12)


@pytest.mark.parametrize(
    ("rotation", "top_left"),
    [(0, (40, 800)), (90, (40, 60)), (180, (500, 60)), (270, (500, 800))],
)
def test_the_shown_top_left_corner_follows_the_rotation_and_the_crop_box(rotation, top_left):
    box = PageBox(40, 60, 500, 800, rotation)
    assert view_to_user(box, 0, 0) == pytest.approx(top_left)


def test_ninety_percent_down_a_plain_a4_page_is_that_far_down_in_user_space():
    box = PageBox(0, 0, 595, 842, 0)
    assert view_to_user(box, 0.5, 0.9) == pytest.approx((297.5, 842 * 0.1))


def test_sizes_in_millimetres_turn_with_the_page_and_count_the_user_unit():
    a4 = PageBox(0, 0, 595.2756, 841.8898, 0)
    assert view_size_mm(a4) == pytest.approx((210, 297), abs=1e-3)
    assert view_size_mm(PageBox(0, 0, 595.2756, 841.8898, 90)) == pytest.approx((297, 210), abs=1e-3)
    assert view_size_mm(PageBox(0, 0, 595.2756, 841.8898, 0, user_unit=2)) == pytest.approx((420, 594), abs=1e-3)
    assert view_rect_mm(a4, ViewRect(0.5, 0.5, 0.1, 0.1)) == pytest.approx((105, 148.5, 21, 29.7), abs=1e-3)


def test_page_data_as_stored_per_version_reads_back_as_a_box():
    box = page_box_from_data({"left": 40, "bottom": 60, "right": 500, "top": 800, "rotation": 450})
    assert box == PageBox(40, 60, 500, 800, 90, 1.0)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_seal_turned_against_the_page_rotation_is_shown_upright(rotation):
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(120, 80))
    pdf.rect(5, 55, 30, 20, stroke=0, fill=1)  # a mark in the top-left corner of the seal
    pdf.showPage()
    pdf.save()
    seal = buffer.getvalue()
    turned = appearance_upright_on(seal, rotation)

    def dark_box(data: bytes, turn: int) -> tuple[float, ...]:
        document = pypdfium2.PdfDocument(data)
        try:
            image = document[0].render(scale=2, rotation=turn).to_pil().convert("L")
        finally:
            document.close()
        left, top, right, bottom = image.point(lambda level: 255 if level < 128 else 0).getbbox()
        return left / image.width, top / image.height, right / image.width, bottom / image.height, image.width

    # Shown on a page turned by `rotation`, the turned seal looks like the seal itself.
    assert dark_box(turned, rotation) == pytest.approx(dark_box(seal, 0), abs=0.01)
    assert appearance_upright_on(seal, 0) is seal
