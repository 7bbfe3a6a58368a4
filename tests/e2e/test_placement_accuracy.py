"""What you see is where it lands: seals placed in the browser by a click, a drag, a corner
resize and the arrow keys, on pages turned 90/180/270, with an offset CropBox, of a non-A4
size with /UserUnit, at two zoom levels, are sealed by the real worker; the sealed pages
are rendered with pdfium and each seal's bounding box is measured against the box the
browser showed: within 0.5 mm on the printed page."""

from __future__ import annotations

import io
import json
import re

import pypdfium2
import pytest
from django_tenants.utils import tenant_context
from PIL import ImageChops
from playwright.sync_api import expect
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, FloatObject, NameObject, NumberObject
from reportlab.lib.pagesizes import A4, letter
from reportlab.pdfgen import canvas

from accounts.models import User
from documents.models import Document
from documents.pdf.geometry import UserRect, ViewRect, page_box_from_data, user_rect_to_view, view_size_mm
from tenants.models import Company
from tests.conftest import PASSWORD, totp_now
from tests.e2e.conftest import off_the_loop, screenshot, sign_in, wait_for_image
from tests.workflows.conftest import SEAL_PASSWORD, committed_cleanup, signatory

pytestmark = pytest.mark.integration

TOLERANCE_MM = 0.5
# Page by page: its size and what is unusual about it.
PAGES = [
    {"size": A4, "rotate": 90},
    {"size": A4, "rotate": 180},
    {"size": A4, "rotate": 270},
    {"size": A4, "crop": [60, 90, 540, 800]},
    {"size": letter, "rotate": 90, "crop": [30, 40, 590, 760]},
    {"size": (400, 300), "user_unit": 2.0},
]


def _awkward_pdf() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for number, spec in enumerate(PAGES, start=1):
        pdf.setPageSize(spec["size"])
        pdf.setFont("Helvetica", 12)
        pdf.drawString(80, 120, f"Page {number} - seal here")
        pdf.showPage()
    pdf.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    for page, spec in zip(writer.pages, PAGES, strict=True):
        if "rotate" in spec:
            page[NameObject("/Rotate")] = NumberObject(spec["rotate"])
        if "crop" in spec:
            page[NameObject("/CropBox")] = ArrayObject([FloatObject(v) for v in spec["crop"]])
        if "user_unit" in spec:
            page[NameObject("/UserUnit")] = FloatObject(spec["user_unit"])
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


@pytest.fixture
def sealer(django_db_blocker, celery_worker_process):
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        try:
            yield signatory("alpha", "Alpha Ltd", 0, existing=alpha, user=alice)
        finally:
            committed_cleanup(alpha, [])


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None
    return box


def _sheet(page, index: int):
    return page.locator(f'.page[data-page="{index}"] .page-sheet')


def _seen(page, index: int) -> ViewRect:
    """The placed box as the person sees it, in fractions of the shown page."""
    sheet, mark = _box(_sheet(page, index)), _box(page.locator(f'.page[data-page="{index}"] .placed'))
    return ViewRect(
        (mark["x"] - sheet["x"]) / sheet["width"],
        (mark["y"] - sheet["y"]) / sheet["height"],
        mark["width"] / sheet["width"],
        mark["height"] / sheet["height"],
    )


def _saved(page, action) -> None:
    with page.expect_response(re.compile(r"/placements/([0-9a-f-]+/update/)?$")) as response:
        action()
    assert response.value.ok, response.value.text()


def _click_place(page, index: int, u: float, v: float) -> None:
    sheet = _sheet(page, index)
    sheet.scroll_into_view_if_needed()
    wait_for_image(sheet.locator("img"))
    box = _box(sheet)
    _saved(page, lambda: sheet.click(position={"x": box["width"] * u, "y": box["height"] * v}))
    expect(page.locator(f'.page[data-page="{index}"] .placed')).to_have_count(1)


def _drag(page, locator, dx: float, dy: float, *, index: int) -> None:
    """Press, move and release; the box neither jumps when grabbed nor when let go."""
    locator.scroll_into_view_if_needed()
    start = _box(locator)
    before = _seen(page, index)
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 1, y + 1)  # a grab with a tremor does not move it
    assert _seen(page, index) == before
    page.mouse.move(x + dx, y + dy, steps=10)
    dropped = _seen(page, index)
    _saved(page, page.mouse.up)
    page.wait_for_timeout(50)
    after = _seen(page, index)
    sheet = _box(_sheet(page, index))
    assert abs(after.left - dropped.left) * sheet["width"] < 0.5
    assert abs(after.top - dropped.top) * sheet["height"] < 0.5
    assert abs(after.width - dropped.width) * sheet["width"] < 0.5


def _rendered(data: bytes, index: int, width_px: int = 1600):
    document = pypdfium2.PdfDocument(data)
    try:
        document.init_forms()
        page = document[index]
        width_pt, _height = page.get_size()
        return page.render(scale=width_px / width_pt, may_draw_forms=True).to_pil().convert("RGB")
    finally:
        document.close()


def _seal_on_render(before: bytes, after: bytes, index: int) -> ViewRect:
    """The bounding box of what sealing changed on the page, in fractions of the shown page."""
    old, new = _rendered(before, index), _rendered(after, index)
    changed = ImageChops.difference(old, new).convert("L").point(lambda level: 255 if level > 24 else 0)
    bbox = changed.getbbox()
    assert bbox is not None, f"no seal drawn on page {index + 1}"
    left, top, right, bottom = bbox
    width, height = changed.size
    return ViewRect(left / width, top / height, (right - left) / width, (bottom - top) / height)


def _widget_rects(data: bytes) -> dict[int, UserRect]:
    reader = PdfReader(io.BytesIO(data))
    rects = {}
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            if annotation.get("/FT") == "/Sig" or annotation.get("/Parent", {}).get("/FT") == "/Sig":
                x1, y1, x2, y2 = (float(v) for v in annotation["/Rect"])
                rects[number] = UserRect(min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1))
    return rects


def _gap_mm(a: ViewRect, b: ViewRect, size_mm: tuple[float, float]) -> float:
    width, height = size_mm
    return max(
        abs(a.left - b.left) * width,
        abs(a.top - b.top) * height,
        abs(a.left + a.width - b.left - b.width) * width,
        abs(a.top + a.height - b.top - b.height) * height,
    )


def test_seals_land_where_the_boxes_were_shown(sealer, site, new_context):
    page = new_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(page, site, "alpha", sealer.user.email, PASSWORD)
    original = _awkward_pdf()
    page.goto(site.url("alpha", "/documents/"))
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "awkward-pages.pdf", "mimeType": "application/pdf", "buffer": original}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("awkward-pages.pdf")

    # Zoom 100 %: a click 90 % down page 1 (turned 90°), a drag on page 2 (180°), a corner
    # resize on page 3 (270°).
    _click_place(page, 0, 0.5, 0.9)
    clicked = _seen(page, 0)
    assert clicked.top + clicked.height / 2 == pytest.approx(0.9, abs=0.002)

    _click_place(page, 1, 0.3, 0.3)
    _drag(page, page.locator('.page[data-page="1"] .placed'), 120, 200, index=1)

    _click_place(page, 2, 0.5, 0.5)
    handle = page.locator('.page[data-page="2"] .placed .resize-handle[data-corner="se"]')
    before = _seen(page, 2)
    _drag(page, handle, 70, 40, index=2)
    resized = _seen(page, 2)
    assert resized.width > before.width * 1.2
    assert resized.left == pytest.approx(before.left, abs=0.002)  # the opposite corner stays

    # Zoom 150 %: the offset crop box by drag and resize by the top-left corner, the
    # letter page turned 90° with its crop box by a click and arrow keys, the small page
    # with /UserUnit 2 by a click near its edge (kept on the page).
    page.get_by_role("button", name="Larger pages").click()
    page.get_by_role("button", name="Larger pages").click()
    expect(page.locator("#zoom-level")).to_have_text("150%")
    _click_place(page, 3, 0.4, 0.6)
    _drag(page, page.locator('.page[data-page="3"] .placed'), -80, -60, index=3)
    _drag(page, page.locator('.page[data-page="3"] .placed .resize-handle[data-corner="nw"]'), -50, -30, index=3)

    _click_place(page, 4, 0.6, 0.3)
    mark = page.locator('.page[data-page="4"] .placed')
    mark.focus()
    nudged_from = _seen(page, 4)
    _saved(page, lambda: [page.keyboard.press("Shift+ArrowRight"), page.keyboard.press("ArrowDown")])
    nudged = _seen(page, 4)
    width_mm, height_mm = view_size_mm(page_box_from_data(_pages(page)[4]))
    assert (nudged.left - nudged_from.left) * width_mm == pytest.approx(5, abs=0.1)
    assert (nudged.top - nudged_from.top) * height_mm == pytest.approx(1, abs=0.1)

    _click_place(page, 5, 0.98, 0.98)
    edge = _seen(page, 5)
    assert edge.left + edge.width <= 1.0005 and edge.top + edge.height <= 1.0005

    seen = {index: _seen(page, index) for index in range(len(PAGES))}
    screenshot(page, "placement-accuracy-placed")

    page.get_by_label("Seal password").fill(SEAL_PASSWORD)
    page.get_by_label("One-time code").fill(totp_now(sealer.device, 1))
    page.get_by_role("button", name="Seal the document").click()
    expect(page.get_by_text(f"This version carries {len(PAGES)} signatures.")).to_be_visible(timeout=180_000)
    screenshot(page, "placement-accuracy-sealed")

    with tenant_context(sealer.company):
        version = Document.objects.get(name="awkward-pages.pdf").current_version
        with version.file.open("rb") as handle:
            sealed = handle.read()
    widgets = off_the_loop(_widget_rects, sealed)
    for index, shown in seen.items():
        box = page_box_from_data(version.pages[index])
        size = view_size_mm(box)
        stamped = user_rect_to_view(box, widgets[index])
        assert _gap_mm(stamped, shown, size) <= TOLERANCE_MM, (index, stamped, shown)
        drawn = off_the_loop(_seal_on_render, original, sealed, index)
        # The seal's ink lies inside the box shown and fills it (a round seal touches every side).
        assert _gap_mm(drawn, shown, size) <= TOLERANCE_MM, (index, drawn, shown)


def _pages(page) -> list[dict]:
    return json.loads(page.locator("#pages-data").text_content())
