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
from tests.e2e.conftest import sign_in, wait_for_image
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


def test_upload_place_drag_resize_seal_download_and_verify(sealer, site, new_context, tmp_path, surface, page_checks):
    t = surface.t
    page = new_context().new_page()
    sign_in(page, site, "alpha", sealer.user.email, PASSWORD, surface=surface)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alpha Ltd")

    page.goto(site.url("alpha", "/documents/"))
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "supply-contract.pdf", "mimeType": "application/pdf", "buffer": make_pdf(2)}]
    )
    surface.press(page.get_by_role("button", name=t("Upload")))
    expect(page.get_by_role("heading", level=1)).to_have_text("supply-contract.pdf")
    expect(page.get_by_text(t("Uploaded. Click on a page to place the seal."))).to_be_visible()
    document_url = page.url

    # Click on page 1 to place the seal, then drag it and pull its corner.
    first_page = page.locator('.page[data-page="0"] img')
    expect(first_page).to_be_visible()
    wait_for_image(page.locator('.page[data-page="0"] img').first)
    image = _box(first_page)
    surface.press(first_page, position={"x": image["width"] * 0.3, "y": image["height"] * 0.3})
    mark = page.locator(".placed")
    expect(mark).to_have_count(1)
    expect(page.locator("#placement-list li")).to_contain_text(t("Page %(number)s", number=1))
    mark.scroll_into_view_if_needed()
    placed = _box(mark)
    before = _on_page(page)

    # A finger on a phone, the mouse on a laptop; by a share of the page, which is narrower on a phone.
    dx, dy = image["width"] * 0.25, image["height"] * 0.15
    centre = (placed["x"] + placed["width"] / 2, placed["y"] + placed["height"] / 2)
    with page.expect_response(re.compile(r"/placements/[0-9a-f-]+/update/$")):
        surface.drag(page, centre, (centre[0] + dx, centre[1] + dy))
    moved = _on_page(page)
    assert moved["x"] == pytest.approx(before["x"] + dx, abs=25)
    assert moved["y"] == pytest.approx(before["y"] + dy, abs=25)

    page.locator(".placed .resize-handle[data-corner=se]").scroll_into_view_if_needed()
    handle = _box(page.locator(".placed .resize-handle[data-corner=se]"))
    corner = (handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    with page.expect_response(re.compile(r"/placements/[0-9a-f-]+/update/$")):
        surface.drag(page, corner, (corner[0] + 60, corner[1] + 60))
    resized = _on_page(page)
    assert resized["width"] > moved["width"] + 40

    # The server kept both changes: a fresh page draws the seal where it was left.
    page.reload()
    kept = _on_page(page)
    assert kept["x"] == pytest.approx(resized["x"], abs=3)
    assert kept["width"] == pytest.approx(resized["width"], abs=3)
    page_checks.check(page, "placed")

    page.get_by_label(t("Seal password")).fill(SEAL_PASSWORD)
    page.get_by_label(t("One-time code")).fill(totp_now(sealer.device, 1))
    surface.press(page.get_by_role("button", name=t("Seal the document")))
    expect(
        page.get_by_text(
            surface.tn(
                "This version carries %(counter)s signature.",
                "This version carries %(counter)s signatures.",
                1,
                counter=1,
            )
        )
    ).to_be_visible(timeout=90_000)
    expect(page.get_by_role("link", name=f"{t('Download')} v2")).to_be_visible()

    surface.press(page.get_by_role("link", name=t("Verify"), exact=True))
    expect(page.locator(".verdict")).to_contain_text(t("Signatures valid"))

    page.goto(document_url)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"{t('Download')} v2").click()
    signed = tmp_path / "signed.pdf"
    download_info.value.save_as(signed)
    assert signed.read_bytes().startswith(b"%PDF-")

    # Anyone can check the downloaded file on the platform's verify page.
    visitor = new_context().new_page()
    visitor.goto(site.url(None, "/verify/"))
    visitor.locator("input[name=file]").set_input_files(str(signed))
    surface.press(visitor.get_by_role("button", name=t("Verify"), exact=True))
    verdict = visitor.locator(".verdict")
    expect(verdict).to_contain_text(t("Signatures valid"))
    expect(verdict).to_contain_text("signed.pdf")
    expect(visitor.locator("dd").filter(has_text="Alpha Ltd").first).to_be_visible()

    # The same file with a changed byte inside the signed range is not valid.
    data = bytearray(signed.read_bytes())
    at = data.index(b"ReportLab")
    data[at : at + 9] = b"ReportLaX"
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    visitor.goto(site.url(None, "/verify/"))
    visitor.locator("input[name=file]").set_input_files(str(tampered))
    surface.press(visitor.get_by_role("button", name=t("Verify"), exact=True))
    verdict = visitor.locator(".verdict")
    expect(verdict).to_contain_text(t("Not valid"))
    expect(verdict).not_to_contain_text(t("Signatures valid"))
