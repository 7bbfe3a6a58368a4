"""What a person sees while sealing a four-page document in the Chinese interface: the seal
panel stays beside them on page 4, the place reads 第 4 页, a cross-page seal shows its
slice on every page before sealing, one banner follows the job (never two "正在盖章…"),
and one success message says which version carries the seal."""

from __future__ import annotations

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from accounts.models import User
from documents.services.versions import document_upload
from tenants.models import Company
from tests.conftest import PASSWORD, totp_now
from tests.documents.pdfs import make_pdf
from tests.e2e.conftest import accessibility_violations, screenshot, sign_in, wait_for_image, wait_until
from tests.workflows.conftest import SEAL_PASSWORD, committed_cleanup, signatory

pytestmark = pytest.mark.integration

LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def sealer(django_db_blocker, celery_worker_process):
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        try:
            yield signatory("alpha", "Alpha Ltd", 0, existing=alpha, user=alice)
        finally:
            committed_cleanup(alpha, [])


def test_sealing_page_four_in_chinese_keeps_the_panel_in_view_and_reports_once(sealer, site, new_context):
    with tenant_context(sealer.company):
        document = document_upload(name="contract.pdf", data=make_pdf(4), acting_user=sealer.user)
    context = new_context(viewport=LAPTOP)
    page = context.new_page()
    sign_in(page, site, "alpha", sealer.user.email, PASSWORD)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": site.url("alpha", "/")}])
    page.goto(site.url("alpha", f"/documents/{document.pk}/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    fourth = page.locator('.page[data-page="3"] img')
    fourth.scroll_into_view_if_needed()
    wait_for_image(fourth)
    box = fourth.bounding_box()
    fourth.click(position={"x": box["width"] * 0.6, "y": box["height"] * 0.5})
    expect(page.locator(".placed")).to_have_count(1)
    expect(page.locator("#placement-list li").first).to_contain_text("第 4 页")
    expect(page.locator("#placement-list")).not_to_contain_text("页 4")
    # Still down on page 4: the confirmation is beside the person, not back at the top; the
    # panel brought its Seal button into view by itself, and the page stayed on page 4.
    down = page.evaluate("() => window.scrollY")
    assert down > 1000
    confirm = page.locator("#seal-form button[type=submit]")
    expect(confirm).to_be_in_viewport(ratio=1)
    expect(page.locator("#seal-form input[name=seal_password]")).to_be_in_viewport()
    assert abs(page.evaluate("() => window.scrollY") - down) < 2
    expect(page.locator('.page[data-page="3"] .placed')).to_be_in_viewport()

    # A cross-page seal: before sealing, each page shows its own slice at its right edge.
    page.locator("#cross-page-form button[type=submit]").click()
    slices = page.locator(".cross-page-slice")
    expect(slices).to_have_count(4)
    positions = set()
    for index in range(4):
        slice_box = page.locator(f'.cross-page-slice[data-page="{index}"]').bounding_box()
        sheet = page.locator(f'.page[data-page="{index}"] .page-sheet').bounding_box()
        assert slice_box is not None and sheet is not None
        assert abs(slice_box["x"] + slice_box["width"] - (sheet["x"] + sheet["width"])) < 3  # at the right edge
        assert 0 < slice_box["width"] < sheet["width"] / 4
        positions.add(
            page.locator(f'.cross-page-slice[data-page="{index}"]').evaluate("e => e.style.backgroundPosition")
        )
    assert len(positions) == 4, positions  # a different slice of the seal on each page
    expect(page.locator("#placement-list")).to_contain_text("骑缝章")
    screenshot(page, "sealing-feedback-1-cross-page-preview")
    assert accessibility_violations(page) == []

    page.locator("#seal-form input[name=seal_password]").fill(SEAL_PASSWORD)
    page.locator("#seal-form input[name=otp_code]").fill(totp_now(sealer.device, 1))
    confirm.scroll_into_view_if_needed()
    confirm.click()

    def banners() -> int:
        return page.locator(":is(.message, .messages li):visible", has_text="正在盖章").count()

    page.wait_for_url(lambda url: "grant=" in url or "sealed=" in url)
    if "grant=" in page.url:
        wait_until(lambda: banners() or "sealed=" in page.url, "the job banner", 30)
        assert banners() <= 1, "two 正在盖章… banners at once"
    page.wait_for_url(lambda url: "sealed=" in url, timeout=120_000)
    success = page.locator(".message:visible", has_text="盖章完成")
    expect(success).to_have_count(1)
    expect(success).to_contain_text("第 2 版已加盖印章")
    assert banners() == 0
    screenshot(page, "sealing-feedback-2-sealed")
