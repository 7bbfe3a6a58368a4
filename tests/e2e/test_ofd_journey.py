"""A company member seals an OFD file in the browser: upload, click on the page image to
place the seal, confirm with the seal password and a one-time code, watch the worker
finish, verify the sealed version, download it as OFD and see it valid on the public verify
page; the PDF for viewing only says what it is."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tenants.models import Company
from tests.conftest import PASSWORD, totp_now
from tests.e2e.conftest import sign_in, wait_for_image
from tests.ofd import independent, writer
from tests.workflows.conftest import SEAL_PASSWORD, committed_cleanup, signatory

pytestmark = pytest.mark.integration


@pytest.fixture
def sealer(django_db_blocker, celery_worker_process):
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        try:
            yield signatory("alpha", "Alpha Ltd", 0, existing=alpha, user=alice)
        finally:
            committed_cleanup(alpha, [])


def test_upload_place_seal_verify_and_download_an_ofd(sealer, site, new_context, tmp_path, surface, page_checks):
    t = surface.t
    page = new_context().new_page()
    sign_in(page, site, "alpha", sealer.user.email, PASSWORD, surface=surface)
    page.goto(site.url("alpha", "/documents/"))
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "电子发票.ofd", "mimeType": "application/octet-stream", "buffer": writer.build_ofd(pages=2)}]
    )
    surface.press(page.get_by_role("button", name=t("Upload")))
    expect(page.get_by_role("heading", level=1)).to_have_text("电子发票.ofd")
    expect(page.locator("#document-format")).to_have_text("OFD")

    first_page = page.locator('.page[data-page="0"] img')
    expect(first_page).to_be_visible()
    wait_for_image(first_page)
    image = first_page.bounding_box()
    assert image is not None and image["height"] / image["width"] == pytest.approx(297 / 210, rel=0.02)
    surface.press(first_page, position={"x": image["width"] * 0.6, "y": image["height"] * 0.7})
    expect(page.locator(".placed")).to_have_count(1)
    expect(page.locator("#placement-list li")).to_contain_text(t("Page %(number)s", number=1))

    # The browser's own request (the test's resolver does not know company hosts).
    content_type, head = page.evaluate(
        """async (url) => {
            const response = await fetch(url);
            const bytes = new Uint8Array(await response.arrayBuffer());
            return [response.headers.get("content-type"), String.fromCharCode(...bytes.slice(0, 5))];
        }""",
        page.locator("#viewing-pdf").get_attribute("href"),
    )
    assert content_type == "application/pdf" and head == "%PDF-"

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

    surface.press(page.get_by_role("link", name=t("Verify"), exact=True))
    expect(page.locator(".verdict")).to_contain_text(t("Signatures valid"))
    page.go_back()

    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"{t('Download')} v2").click()
    assert download_info.value.suggested_filename.endswith(".ofd")
    sealed = tmp_path / "sealed.ofd"
    download_info.value.save_as(sealed)
    data = sealed.read_bytes()
    assert "Doc_0/Signs/Sign_0/SignedValue.dat" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    (checked,) = independent.check(data)
    assert independent.all_good(checked), checked

    visitor = new_context().new_page()
    visitor.goto(site.url(None, "/verify/"))
    visitor.locator("input[name=file]").set_input_files(str(sealed))
    surface.press(visitor.get_by_role("button", name=t("Verify"), exact=True))
    expect(visitor.locator(".verdict")).to_contain_text(t("Signatures valid"))
