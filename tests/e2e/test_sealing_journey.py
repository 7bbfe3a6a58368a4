"""A company member seals a PDF in the browser: upload, click to place, drag and resize,
confirm with the seal password and a one-time code, watch the worker finish, download the
new version and see it valid on the public verify page; a tampered copy is reported."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tenants.models import Company
from tests.conftest import PASSWORD, totp_now
from tests.documents.pdfs import make_pdf
from tests.e2e.conftest import accessibility_violations, screenshot, sign_in, wait_for_image
from tests.workflows.conftest import SEAL_PASSWORD, committed_cleanup, signatory

pytestmark = pytest.mark.integration


@pytest.fixture
def sealer(django_db_blocker, celery_worker_process):
    """Alice of alpha (approved company) with an authenticator and an active contract seal."""
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


def _on_page(page) -> dict:
    """The placed seal's box relative to the page image (the window may scroll meanwhile)."""
    expect(page.locator(".placed")).to_be_visible()
    mark, image = _box(page.locator(".placed")), _box(page.locator('.page[data-page="0"] img'))
    return {"x": mark["x"] - image["x"], "y": mark["y"] - image["y"], "width": mark["width"]}


def test_upload_place_drag_resize_seal_download_and_verify(sealer, site, new_context, tmp_path):
    page = new_context().new_page()
    sign_in(page, site, "alpha", sealer.user.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alpha Ltd")

    page.goto(site.url("alpha", "/documents/"))
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "supply-contract.pdf", "mimeType": "application/pdf", "buffer": make_pdf(2)}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("supply-contract.pdf")
    expect(page.get_by_text("Uploaded. Click on a page to place the seal.")).to_be_visible()
    document_url = page.url
    assert accessibility_violations(page) == []

    # Click on page 1 to place the seal, then drag it and pull its corner.
    first_page = page.locator('.page[data-page="0"] img')
    expect(first_page).to_be_visible()
    wait_for_image(page.locator('.page[data-page="0"] img').first)
    image = _box(first_page)
    first_page.click(position={"x": image["width"] * 0.3, "y": image["height"] * 0.3})
    mark = page.locator(".placed")
    expect(mark).to_have_count(1)
    expect(page.locator("#placement-list li")).to_contain_text("Page 1")
    mark.scroll_into_view_if_needed()
    placed = _box(mark)
    before = _on_page(page)

    page.mouse.move(placed["x"] + placed["width"] / 2, placed["y"] + placed["height"] / 2)
    page.mouse.down()
    page.mouse.move(placed["x"] + placed["width"] / 2 + 200, placed["y"] + placed["height"] / 2 + 150, steps=8)
    with page.expect_response(re.compile(r"/placements/[0-9a-f-]+/update/$")):
        page.mouse.up()
    moved = _on_page(page)
    assert moved["x"] == pytest.approx(before["x"] + 200, abs=25)
    assert moved["y"] == pytest.approx(before["y"] + 150, abs=25)

    page.locator(".placed .resize-handle[data-corner=se]").scroll_into_view_if_needed()
    handle = _box(page.locator(".placed .resize-handle[data-corner=se]"))
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(handle["x"] + 60, handle["y"] + 60, steps=8)
    with page.expect_response(re.compile(r"/placements/[0-9a-f-]+/update/$")):
        page.mouse.up()
    resized = _on_page(page)
    assert resized["width"] > moved["width"] + 40

    # The server kept both changes: a fresh page draws the seal where it was left.
    page.reload()
    kept = _on_page(page)
    assert kept["x"] == pytest.approx(resized["x"], abs=3)
    assert kept["width"] == pytest.approx(resized["width"], abs=3)
    screenshot(page, "sealing-1-placed")

    page.get_by_label("Seal password").fill(SEAL_PASSWORD)
    page.get_by_label("One-time code").fill(totp_now(sealer.device, 1))
    page.get_by_role("button", name="Seal the document").click()
    expect(page.get_by_text("This version carries 1 signature.")).to_be_visible(timeout=90_000)
    expect(page.get_by_role("link", name="Download v2")).to_be_visible()
    screenshot(page, "sealing-2-sealed")

    page.get_by_role("link", name="Verify").click()
    expect(page.locator(".verdict")).to_contain_text("Signatures valid")
    assert accessibility_violations(page) == []

    page.goto(document_url)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download v2").click()
    signed = tmp_path / "signed.pdf"
    download_info.value.save_as(signed)
    assert signed.read_bytes().startswith(b"%PDF-")

    # Anyone can check the downloaded file on the platform's verify page.
    visitor = new_context().new_page()
    visitor.goto(site.url(None, "/verify/"))
    assert accessibility_violations(visitor) == []
    visitor.locator("input[name=file]").set_input_files(str(signed))
    visitor.get_by_role("button", name="Verify", exact=True).click()
    verdict = visitor.locator(".verdict")
    expect(verdict).to_contain_text("Signatures valid")
    expect(verdict).to_contain_text("signed.pdf")
    expect(visitor.locator("dd").filter(has_text="Alpha Ltd").first).to_be_visible()
    screenshot(visitor, "sealing-3-verified")
    assert accessibility_violations(visitor) == []

    # The same file with a changed byte inside the signed range is not valid.
    data = bytearray(signed.read_bytes())
    at = data.index(b"ReportLab")
    data[at : at + 9] = b"ReportLaX"
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    visitor.goto(site.url(None, "/verify/"))
    visitor.locator("input[name=file]").set_input_files(str(tampered))
    visitor.get_by_role("button", name="Verify", exact=True).click()
    verdict = visitor.locator(".verdict")
    expect(verdict).to_contain_text("Not valid")
    expect(verdict).not_to_contain_text("Signatures valid")
    screenshot(visitor, "sealing-4-tampered")
