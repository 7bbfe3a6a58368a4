"""Envelope party fields are placed, dragged, resized, nudged and removed on the draft page
with the same placement component as seals, each change saved through JSON: the page
never reloads, the side panel follows, and the field kept on the server is the box shown
(within 0.5 mm), also on a page turned by 90°."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from accounts.models import User
from documents.pdf.geometry import UserRect, ViewRect, page_box_from_data, user_rect_to_view, view_size_mm
from documents.services.versions import document_upload
from tenants.models import Company
from tests.conftest import PASSWORD
from tests.documents.pdfs import make_pdf, with_page_changes
from tests.e2e.conftest import screenshot, sign_in, wait_for_image
from tests.workflows.conftest import committed_cleanup
from workflows.envelopes.drafting import envelope_create, envelope_party_add
from workflows.models import EnvelopeField

pytestmark = pytest.mark.integration


@pytest.fixture
def draft(django_db_blocker, request):
    turned = getattr(request, "param", True)
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        try:
            with tenant_context(alpha):
                document = document_upload(
                    name="turned.pdf",
                    data=with_page_changes(make_pdf(1), rotate=90) if turned else make_pdf(1),
                    acting_user=alice,
                )
                envelope = envelope_create(document=document, name="Field test", acting_user=alice)
                envelope_party_add(
                    envelope=envelope,
                    kind="company",
                    email=alice.email,
                    uscc=alpha.uscc,
                    name="Alpha Ltd",
                    acting_user=alice,
                )
                envelope_party_add(
                    envelope=envelope, kind="person", email="zhangsan@example.com", name="张三", acting_user=alice
                )
            yield alpha, alice, envelope
        finally:
            committed_cleanup(alpha, [])


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None
    return box


def _seen(page, mark) -> ViewRect:
    sheet, box = _box(page.locator('.page[data-page="0"] .page-sheet')), _box(mark)
    return ViewRect(
        (box["x"] - sheet["x"]) / sheet["width"],
        (box["y"] - sheet["y"]) / sheet["height"],
        box["width"] / sheet["width"],
        box["height"] / sheet["height"],
    )


def _drag(page, locator, dx: float, dy: float) -> None:
    locator.scroll_into_view_if_needed()
    box = _box(locator)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=8)
    with page.expect_response(re.compile(r"/fields/[0-9a-f-]+/update/$")) as response:
        page.mouse.up()
    assert response.value.status == 200, response.value.text()


def _gap_mm(a: ViewRect, b: ViewRect, size: tuple[float, float]) -> float:
    return max(
        abs(a.left - b.left) * size[0],
        abs(a.top - b.top) * size[1],
        abs(a.width - b.width) * size[0],
        abs(a.height - b.height) * size[1],
    )


def test_fields_are_placed_dragged_and_resized_without_a_reload(draft, site, new_context):
    alpha, alice, envelope = draft
    page = new_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(page, site, "alpha", alice.email, PASSWORD, second_factor=False)
    page.goto(site.url("alpha", f"/envelopes/{envelope.pk}/"))
    wait_for_image(page.locator('.page[data-page="0"] img'))
    loads = []
    page.on("load", lambda _page: loads.append(page.url))
    page.on("framenavigated", lambda frame: loads.append(frame.url) if frame == page.main_frame else None)
    page.evaluate("window.sealhubNotReloaded = true")

    sheet = page.locator('.page[data-page="0"] .page-sheet')
    sheet.scroll_into_view_if_needed()
    size = _box(sheet)
    fields = page.locator(".placed.envelope-field")
    page.locator("#field-party").select_option(index=0)
    with page.expect_response(re.compile(r"/fields/$")):
        sheet.click(position={"x": size["width"] * 0.3, "y": size["height"] * 0.3})
    page.locator("#field-party").select_option(index=1)
    with page.expect_response(re.compile(r"/fields/$")):
        sheet.click(position={"x": size["width"] * 0.6, "y": size["height"] * 0.7})
    expect(fields).to_have_count(2)
    expect(page.locator("[data-party-fields] li")).to_have_count(2)
    expect(page.locator("[data-party-empty]")).to_have_count(0)

    seal_field, signature_field = fields.nth(0), fields.nth(1)
    _drag(page, seal_field, -80, -60)
    before = _seen(page, seal_field)
    _drag(page, seal_field.locator('.resize-handle[data-corner="se"]'), 50, 10)
    after = _seen(page, seal_field)
    width_px = _box(sheet)["width"]
    assert after.width * width_px > before.width * width_px + 20
    # A seal field keeps its proportions; a signature field takes any.
    assert after.width / after.height == pytest.approx(before.width / before.height, rel=0.01)
    signature_before = _seen(page, signature_field)
    _drag(page, signature_field.locator('.resize-handle[data-corner="ne"]'), 60, -10)
    signature_after = _seen(page, signature_field)
    assert signature_after.width / signature_after.height != pytest.approx(
        signature_before.width / signature_before.height, rel=0.05
    )
    signature_field.focus()
    with page.expect_response(re.compile(r"/fields/[0-9a-f-]+/update/$")):
        page.keyboard.press("ArrowLeft")
    screenshot(page, "envelope-fields-placed")

    # What the server keeps is the box shown.
    with tenant_context(alpha):
        kept = list(EnvelopeField.objects.filter(party__envelope=envelope).order_by("party__order"))
        box = page_box_from_data(envelope.document.current_version.pages[0])
    assert len(kept) == 2
    for field, mark in zip(kept, (seal_field, signature_field), strict=True):
        shown = user_rect_to_view(box, UserRect(field.x, field.y, field.width, field.height))
        assert _gap_mm(shown, _seen(page, mark), view_size_mm(box)) <= 0.5

    # Removing from the side panel needs no reload either; a refused change is said inline.
    with page.expect_response(re.compile(r"/remove/$")):
        page.locator("[data-party-fields] li").first.get_by_role("button", name="Remove").click()
    expect(fields).to_have_count(1)
    expect(page.get_by_text("No field placed yet.")).to_have_count(1)

    assert loads == []
    assert page.evaluate("window.sealhubNotReloaded") is True


@pytest.mark.parametrize("draft", [False], indirect=True)
def test_a_dragged_field_snaps_to_the_text_line_it_comes_close_to(draft, site, new_context):
    alpha, alice, envelope = draft
    page = new_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(page, site, "alpha", alice.email, PASSWORD, second_factor=False)
    page.goto(site.url("alpha", f"/envelopes/{envelope.pk}/"))
    sheet = page.locator('.page[data-page="0"] .page-sheet')
    wait_for_image(sheet.locator("img"))
    sheet.scroll_into_view_if_needed()
    size = _box(sheet)
    page.locator("#field-party").select_option(index=1)
    with page.expect_response(re.compile(r"/fields/$")):
        sheet.click(position={"x": size["width"] * 0.5, "y": size["height"] * 0.5})
    field = page.locator(".placed.envelope-field")
    line = (842 - 120) / 842  # the baseline of "Seal here", from the top of the A4 page

    def drop_near_the_line() -> float:
        field.scroll_into_view_if_needed()
        box, sheet_box = _box(field), _box(sheet)
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        bottom = box["y"] + box["height"]
        target = sheet_box["y"] + line * sheet_box["height"] - 5  # 5 px above the line
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 10, y + (target - bottom), steps=6)
        with page.expect_response(re.compile(r"/update/$")):
            page.mouse.up()
        seen = _seen(page, field)
        return (seen.top + seen.height - line) * _box(sheet)["height"]

    with page.expect_response(re.compile(r"/lines\.json$")):
        field.hover()
        page.mouse.down()
    page.mouse.up()
    assert abs(drop_near_the_line()) < 0.5  # snapped onto the line
    page.get_by_label("Snap to text lines").uncheck()
    assert drop_near_the_line() == pytest.approx(-5, abs=0.6)  # left where it was let go


@pytest.mark.parametrize("draft", [False], indirect=True)
def test_on_a_phone_a_tap_places_and_a_finger_drags_a_field(draft, site, new_context):
    alpha, alice, envelope = draft
    context = new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, device_scale_factor=3)
    page = context.new_page()
    sign_in(page, site, "alpha", alice.email, PASSWORD, second_factor=False)
    page.goto(site.url("alpha", f"/envelopes/{envelope.pk}/"))
    sheet = page.locator('.page[data-page="0"] .page-sheet')
    wait_for_image(sheet.locator("img"))
    sheet.scroll_into_view_if_needed()
    size = _box(sheet)
    page.locator("#field-party").select_option(index=0)
    with page.expect_response(re.compile(r"/fields/$")):
        page.touchscreen.tap(size["x"] + size["width"] * 0.4, size["y"] + size["height"] * 0.3)
    field = page.locator(".placed.envelope-field")
    expect(field).to_have_count(1)
    page.get_by_label("Snap to text lines").uncheck()
    before = _seen(page, field)

    field.scroll_into_view_if_needed()
    box = _box(field)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    touch = context.new_cdp_session(page)

    def finger(kind: str, px: float, py: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": px, "y": py, "id": 1}]
        touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    finger("touchStart", x, y)
    for step in range(1, 9):
        finger("touchMove", x + 6 * step, y + 4 * step)
    with page.expect_response(re.compile(r"/update/$")) as response:
        finger("touchEnd", x + 48, y + 32)
    assert response.value.status == 200
    after = _seen(page, field)
    width_px, height_px = _box(sheet)["width"], _box(sheet)["height"]
    assert (after.left - before.left) * width_px == pytest.approx(48, abs=1)
    assert (after.top - before.top) * height_px == pytest.approx(32, abs=1)
    screenshot(page, "envelope-fields-phone")
