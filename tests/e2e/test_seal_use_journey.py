"""Seal-use approval (用印审批) in the browser: Bob, a member without rights on the company
seal, places it and asks; Alice, the seal keeper, sees where it would go and rejects with
a reason; Bob asks again, Alice approves one use for this document; Bob seals with the
seal password and his authenticator, and the approval shows as used."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tenants.models import Company
from tests.conftest import PASSWORD, enrol_authenticator, totp_now
from tests.documents.pdfs import make_pdf
from tests.e2e.conftest import sign_in, wait_for_image
from tests.workflows.conftest import SEAL_PASSWORD, committed_cleanup, signatory

pytestmark = pytest.mark.integration


@pytest.fixture
def keeper_and_member(django_db_blocker, celery_worker_process):
    """Alpha approved with an active seal kept by Alice; Bob (plain member) with an
    authenticator of his own."""
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        try:
            keeper = signatory(
                "alpha", "Alpha Ltd", 0, existing=alpha, user=User.objects.get(email="alice@alpha.example")
            )
            bob = User.objects.get(email="bob@alpha.example")
            bob_device, _codes = enrol_authenticator(bob)
            yield keeper, bob, bob_device
        finally:
            committed_cleanup(alpha, [])


def _state(page, t):
    return page.locator("dt", has_text=t("Status")).locator("xpath=following-sibling::dd[1]")


def test_a_member_asks_the_keeper_approves_and_the_member_seals(
    keeper_and_member, site, new_context, surface, page_checks
):
    keeper, bob, bob_device = keeper_and_member
    t = surface.t

    # Bob uploads and places the seal: the page turns into a request to the keeper.
    member = new_context().new_page()
    sign_in(member, site, "alpha", bob.email, PASSWORD, surface=surface)
    member.goto(site.url("alpha", "/documents/"))
    member.locator("input[name=file]").set_input_files(
        files=[{"name": "purchase-order.pdf", "mimeType": "application/pdf", "buffer": make_pdf(1)}]
    )
    surface.press(member.get_by_role("button", name=t("Upload")))
    expect(member.get_by_role("heading", level=1)).to_have_text("purchase-order.pdf")
    document_url = member.url
    wait_for_image(member.locator('.page[data-page="0"] img').first)
    image = member.locator('.page[data-page="0"] img')
    box = image.bounding_box()
    assert box is not None
    surface.press(image, position={"x": box["width"] * 0.7, "y": box["height"] * 0.75})
    expect(member.get_by_role("heading", name=t("Request seal use"))).to_be_visible()
    expect(member.locator(".placed")).to_have_count(1)
    expect(member.get_by_role("button", name=t("Seal the document"))).to_have_count(0)
    member.get_by_label(t("What is the seal needed for?")).fill("Purchase order for Beta")
    surface.press(member.get_by_role("button", name=t("Request seal use")))
    expect(member.get_by_text(t("Request sent. We email you when the seal keeper has decided."))).to_be_visible()
    expect(
        member.get_by_text(surface.t_start("Waiting for the seal keeper's decision (asked %(at)s)."))
    ).to_be_visible()
    page_checks.check(member, "requested")

    # Alice sees the request with the place Bob chose, and rejects it with a reason.
    keeper_page = new_context().new_page()
    sign_in(keeper_page, site, "alpha", keeper.user.email, PASSWORD, surface=surface)
    keeper_page.goto(site.url("alpha", "/approvals/"))
    surface.press(keeper_page.get_by_role("link", name="purchase-order.pdf"))
    expect(keeper_page.get_by_role("heading", level=1)).to_have_text(t("Seal-use request"))
    expect(keeper_page.locator(".placed.static")).to_have_count(1)
    expect(keeper_page.get_by_text("Purchase order for Beta")).to_be_visible()
    keeper_page.get_by_label(t("Reason for the requester")).fill("Attach the quotation first")
    surface.press(keeper_page.get_by_role("button", name=t("Reject")))
    expect(keeper_page.get_by_text(t("Rejected. The requester was notified."))).to_be_visible()

    # Bob sees why, and asks again.
    member.goto(document_url)
    expect(member.get_by_text("Attach the quotation first")).to_be_visible()
    member.get_by_label(t("What is the seal needed for?")).fill("Purchase order for Beta, quotation attached")
    surface.press(member.get_by_role("button", name=t("Request seal use")))
    expect(
        member.get_by_text(surface.t_start("Waiting for the seal keeper's decision (asked %(at)s)."))
    ).to_be_visible()

    # Alice approves one use, for this document only.
    keeper_page.goto(site.url("alpha", "/approvals/"))
    surface.press(keeper_page.locator("tr", has_text="quotation attached").get_by_role("link"))
    expect(_state(keeper_page, t)).to_have_text(t("Waiting for a decision"))
    expect(keeper_page.get_by_label(t("For this document only"))).to_be_checked()
    keeper_page.get_by_label(t("Number of uses")).fill("1")
    page_checks.check(keeper_page, "keeper-decides")
    surface.press(keeper_page.get_by_role("button", name=t("Approve"), exact=True))
    expect(keeper_page.get_by_text(t("Approved. The requester was notified."))).to_be_visible()

    # Bob may now seal, with the seal password and his own second factor.
    member.goto(document_url)
    expect(member.get_by_role("heading", name=t("Request seal use"))).to_have_count(0)
    member.get_by_label(t("Seal password")).fill(SEAL_PASSWORD)
    member.get_by_label(t("One-time code")).fill(totp_now(bob_device, 1))
    surface.press(member.get_by_role("button", name=t("Seal the document")))
    expect(
        member.get_by_text(
            surface.tn(
                "This version carries %(counter)s signature.",
                "This version carries %(counter)s signatures.",
                1,
                counter=1,
            )
        )
    ).to_be_visible(timeout=90_000)
    page_checks.check(member, "sealed")

    # The keeper sees the approval used up.
    keeper_page.reload()
    surface.press(keeper_page.locator("tr", has_text="quotation attached").get_by_role("link"))
    expect(keeper_page.get_by_text(t("%(used)s of %(allowed)s used", used=1, allowed=1))).to_be_visible()
    expect(keeper_page.get_by_text(t("This document only"))).to_be_visible()
    page_checks.check(keeper_page, "used")
