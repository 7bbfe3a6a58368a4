"""Accounts in the browser. A newcomer registers, confirms the email with the mailed code,
registers a company, turns on an authenticator (typing the key a phone would scan) and
signs in with it. Someone who registers with an ID number that already has an account
is told so without learning whose it is, and recovers it with a code sent to the
contact on file."""

from __future__ import annotations

import base64
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from tenants.models import Company
from tests.conftest import PASSWORD
from tests.e2e.conftest import wait_until
from tests.workflows.conftest import committed_cleanup, uscc_for

pytestmark = pytest.mark.integration

NEWCOMER = "wang.xiaoming@example.com"
HOLDER = "li.si@example.com"


def _id_number(body: str) -> str:
    """A resident ID number with its ISO 7064 MOD 11-2 check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True)) % 11]


def _mailed_code(to: str, sent_before: int) -> str:
    """The 6-digit code in the newest message to `to` sent after `sent_before` messages."""

    def found():
        for message in reversed(mail.outbox[sent_before:]):
            if to in message.to and (match := re.search(r"\b(\d{6})\b", message.body)):
                return match.group(1)
        return None

    return wait_until(found, f"a code mailed to {to}", seconds=30)


def _authenticator_code(secret_text: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key the page lets one type in."""
    import time

    from django_otp.oath import TOTP

    secret = re.sub(r"\s+", "", secret_text).upper()
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


@pytest.fixture
def newcomer_cleanup(django_db_blocker):
    with django_db_blocker.unblock():
        try:
            yield
        finally:
            alpha = Company.objects.get(slug="alpha")
            committed_cleanup(alpha, list(Company.objects.filter(slug="echo")))
            User.objects.filter(email=NEWCOMER).delete()


def test_a_newcomer_registers_a_company_and_turns_on_two_factors(
    newcomer_cleanup, live_db, site, new_context, surface, page_checks
):
    t = surface.t
    page = new_context().new_page()
    page.goto(site.url(None, "/accounts/register/"))
    page.get_by_label(t("Real name")).fill("王小明")
    page.get_by_label(t("Resident ID number")).fill(_id_number("11010519900307123"))
    page.get_by_label(t("Email")).fill(NEWCOMER)
    page.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("Password again")).fill(PASSWORD)
    sent = len(mail.outbox)
    surface.press(page.locator("main").get_by_role("button", name=t("Register")))
    expect(page.get_by_text(t("Welcome! We sent a code to your email to confirm the address."))).to_be_visible()
    page.get_by_label(t("Code"), exact=True).fill(_mailed_code(NEWCOMER, sent))
    surface.press(page.get_by_role("button", name=t("Confirm")))
    expect(page.get_by_text(t("Your email address is confirmed."))).to_be_visible()

    page.goto(site.url(None, "/companies/new/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Register a company"))
    page.get_by_label(t("Company name")).fill("Echo Trading Co")
    page.get_by_label(t("Unified social credit code")).fill(uscc_for(7))
    page.get_by_label(t("Legal representative")).fill("王小明")
    page.get_by_label(t("Address name")).fill("echo")
    surface.press(page.get_by_role("button", name=t("Register company")))
    # Each company host keeps its own session; the platform hands the signed-in owner over,
    # who confirms the account on the company's host.
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Continue to %(company)s", company="Echo Trading Co"))
    expect(page.get_by_text(NEWCOMER)).to_be_visible()
    surface.press(page.get_by_role("button", name=t("Continue")))
    expect(page).to_have_url(site.url("echo", "/"))
    expect(
        page.get_by_text(
            t("%(company)s is registered. A reviewer will check the registration.", company="Echo Trading Co")
        )
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Echo Trading Co")
    page_checks.check(page, "company")

    # Two factors: the page shows a QR code and the same key as text; the "phone" types it.
    page.goto(site.url("echo", "/accounts/security/"))
    surface.press(page.get_by_role("link", name=t("Set up an authenticator app")))
    expect(page.get_by_role("img", name=t("QR code for the authenticator app"))).to_be_visible()
    secret = page.locator(".secret-inline").inner_text()
    page.get_by_label(t("Code"), exact=True).fill(_authenticator_code(secret))
    surface.press(page.get_by_role("button", name=t("Turn on")))
    expect(page.get_by_text(t("Two-factor authentication is on."))).to_be_visible()
    codes = page.locator("code, li").filter(has_text=re.compile(r"^[A-Za-z0-9-]{8,}$"))
    assert codes.count() >= 5, "the recovery codes are shown once"
    page_checks.check(page, "recovery-codes")

    # Signing in now takes the app's code as well.
    surface.press(page.get_by_role("button", name=t("Sign out")))
    expect(page.get_by_role("banner").get_by_role("link", name=t("Sign in"))).to_be_visible()
    page.goto(site.url("echo", "/accounts/login/"))
    page.locator("input[name=username]").fill(NEWCOMER)
    page.locator("input[name=password]").fill(PASSWORD)
    surface.press(page.locator("main").get_by_role("button", name=t("Sign in")))
    expect(page.get_by_role("heading", name=t("Two-factor check"))).to_be_visible()
    page.get_by_label(t("Code from the authenticator app")).check()
    page.get_by_label(t("Code"), exact=True).fill(_authenticator_code(secret, 1))
    surface.press(page.get_by_role("button", name=t("Confirm")))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Echo Trading Co")
    page.goto(site.url("echo", "/accounts/security/"))
    expect(page.get_by_role("link", name=t("Move to a new phone"))).to_be_visible()
    page_checks.check(page, "signed-in-with-two-factors")


@pytest.fixture
def holder(django_db_blocker):
    """Someone who registered long ago with this ID number."""
    from accounts.services import user_register

    with django_db_blocker.unblock():
        user = user_register(
            email=HOLDER,
            password="An-old-forgotten-1",
            full_name="李四",
            mobile="",
            id_number=_id_number("31010419851120456"),
        )
        try:
            yield user
        finally:
            User.objects.filter(email__in=[HOLDER, "li.si.new@example.com"]).delete()


def test_registering_a_taken_id_number_leads_to_recovering_the_account(
    holder, live_db, site, new_context, surface, page_checks
):
    t = surface.t
    page = new_context().new_page()
    page.goto(site.url(None, "/accounts/register/"))
    page.get_by_label(t("Real name")).fill("李四")
    page.get_by_label(t("Resident ID number")).fill(_id_number("31010419851120456"))
    page.get_by_label(t("Email")).fill("li.si.new@example.com")
    page.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("Password again")).fill(PASSWORD)
    surface.press(page.locator("main").get_by_role("button", name=t("Register")))

    expect(page.get_by_role("heading", level=1)).to_have_text(t("This ID number is already registered"))
    expect(page.get_by_text(HOLDER)).to_have_count(0)  # whose account it is stays hidden
    expect(page.locator("strong").filter(has_text="@example.com")).to_have_count(1)  # masked contact
    page_checks.check(page, "conflict")
    surface.press(page.get_by_role("link", name=t("Recover the account")))

    expect(page.get_by_role("heading", level=1)).to_have_text(t("Recover your account"))
    page.get_by_role("group", name=t("Send the code to")).get_by_role(
        "radio", name=re.compile("^" + re.escape(t("Email %(contact)s", contact="")))
    ).check()
    sent = len(mail.outbox)
    surface.press(page.get_by_role("button", name=t("Send code")))
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Enter the code"))
    page.get_by_label(t("Code"), exact=True).fill(_mailed_code(HOLDER, sent))
    page.get_by_label(t("New password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("New password again")).fill(PASSWORD)
    surface.press(page.get_by_role("button", name=t("Set new password")))
    expect(page.get_by_text(t("Your account is recovered and has a new password."))).to_be_visible()
    page_checks.check(page, "recovered")

    # The recovered account signs in with the new password; no second account was made.
    surface.press(page.get_by_role("button", name=t("Sign out")))
    expect(page.get_by_role("banner").get_by_role("link", name=t("Sign in"))).to_be_visible()
    page.goto(site.url(None, "/accounts/login/"))
    page.locator("input[name=username]").fill(HOLDER)
    page.locator("input[name=password]").fill(PASSWORD)
    surface.press(page.locator("main").get_by_role("button", name=t("Sign in")))
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    assert not User.objects.filter(email="li.si.new@example.com").exists()
