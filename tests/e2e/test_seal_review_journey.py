"""A seal from application to use, in the browser: Alice applies for a contract seal on
alpha's host; a platform reviewer, who reaches the admin only after the two-step sign-in
with the authenticator, checks the application and approves it; Alice's seal is active."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from accounts.models import User
from tenants.models import Company
from tests.conftest import PASSWORD, enrol_authenticator, totp_now
from tests.documents.pdfs import make_pdf
from tests.e2e.conftest import sign_in, wait_for_image
from tests.workflows.conftest import SEAL_PASSWORD, committed_cleanup

pytestmark = pytest.mark.integration

REVIEWER = "reviewer@sealhub.example"


@pytest.fixture
def applicant_and_reviewer(django_db_blocker, celery_worker_process):
    """Alpha approved (Alice owns it, one factor); a staff reviewer allowed to decide seal
    applications, with an authenticator."""
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        Company.objects.filter(pk=alpha.pk).update(verification=Company.Verification.APPROVED)
        reviewer = User.objects.create_user(REVIEWER, PASSWORD, full_name="Rita Reviewer", is_staff=True)
        reviewer.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="seals", codename__in=["view_sealapplication", "change_sealapplication"]
            )
        )
        try:
            device, _codes = enrol_authenticator(reviewer)
            yield User.objects.get(email="alice@alpha.example"), reviewer, device
        finally:
            committed_cleanup(alpha, [])
            reviewer.delete()


def test_a_company_applies_for_a_seal_and_a_reviewer_approves_it_with_two_factors(
    applicant_and_reviewer, site, new_context, surface, page_checks
):
    alice, reviewer, device = applicant_and_reviewer
    t = surface.t

    applicant = new_context().new_page()
    sign_in(applicant, site, "alpha", alice.email, PASSWORD, second_factor=False, surface=surface)
    applicant.goto(site.url("alpha", "/seals/"))
    surface.press(applicant.locator("main").get_by_role("link", name=t("Apply for a seal")))
    expect(applicant.get_by_role("heading", level=1)).to_have_text(t("Apply for a seal"))
    applicant.get_by_label(t("Seal type")).select_option("contract")
    applicant.get_by_label(t("Text on the seal")).fill("Alpha Ltd")
    applicant.get_by_label(t("Business licence scan")).set_input_files(
        files=[{"name": "licence.pdf", "mimeType": "application/pdf", "buffer": make_pdf(1)}]
    )
    applicant.get_by_label(t("Seal password"), exact=True).fill(SEAL_PASSWORD)
    applicant.get_by_label(t("Seal password again")).fill(SEAL_PASSWORD)
    page_checks.check(applicant, "application-filled")
    surface.press(applicant.get_by_role("button", name=t("Submit application")))
    expect(
        applicant.get_by_text(t("Application submitted. A platform reviewer will check it; we email you the result."))
    ).to_be_visible()
    expect(applicant.locator("tr", has_text="Alpha Ltd")).to_contain_text(t("Waiting for review"))

    # The admin sends a signed-out reviewer to the normal sign-in, then asks for the code.
    admin = new_context().new_page()
    admin.goto(site.url(None, "/admin/"))
    expect(admin).to_have_url(site.url(None, "/accounts/login/?next=/admin/"))
    admin.locator("input[name=username]").fill(REVIEWER)
    admin.locator("input[name=password]").fill(PASSWORD)
    surface.press(admin.locator("main").get_by_role("button", name=t("Sign in")))
    expect(admin.get_by_role("heading", name=t("Two-factor check"))).to_be_visible()
    admin.get_by_label(t("Code from the authenticator app")).check()
    admin.get_by_label(t("Code"), exact=True).fill(totp_now(device, 1))
    surface.press(admin.get_by_role("button", name=t("Confirm")))
    expect(admin).to_have_url(site.url(None, "/admin/"))
    expect(admin.get_by_role("heading", name=t("Review queues"))).to_be_visible()

    surface.press(admin.get_by_role("link", name=t("Seal applications")).first)
    surface.press(admin.locator("#result_list tr", has_text="Alpha Ltd").get_by_role("link").first)
    surface.press(admin.get_by_role("link", name=t("Decide"), exact=True))
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Alpha Ltd")
    # The reviewer sees the seal face the certificate will be issued for.
    wait_for_image(admin.locator('img[src$="preview.png"]').first)
    admin.get_by_label(t("Approve: issue the certificate and activate the seal")).check()
    page_checks.check(admin, "decision-chosen")
    surface.press(admin.get_by_role("button", name=t("Record decision")))
    expect(admin.get_by_text(t("Decision recorded; the applicant has been emailed."))).to_be_visible()

    # Alice's seal is active and ready to use.
    applicant.reload()
    expect(applicant.locator("tr", has_text="Alpha Ltd").first).to_contain_text(t("Active"))
    surface.press(applicant.locator("#main").get_by_role("link", name="Alpha Ltd"))
    expect(applicant.get_by_role("heading", level=1)).to_contain_text("Alpha Ltd")
