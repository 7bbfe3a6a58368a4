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
from tests.e2e.conftest import accessibility_violations, screenshot, wait_until
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


def test_a_newcomer_registers_a_company_and_turns_on_two_factors(newcomer_cleanup, live_db, site, new_context):
    page = new_context().new_page()
    page.goto(site.url(None, "/accounts/register/"))
    page.get_by_label("Real name").fill("王小明")
    page.get_by_label("Resident ID number").fill(_id_number("11010519900307123"))
    page.get_by_label("Email").fill(NEWCOMER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    sent = len(mail.outbox)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Welcome! We sent a code to your email to confirm the address.")).to_be_visible()
    page.get_by_label("Code", exact=True).fill(_mailed_code(NEWCOMER, sent))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()

    page.goto(site.url(None, "/companies/new/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a company")
    assert accessibility_violations(page) == []
    page.get_by_label("Company name").fill("Echo Trading Co")
    page.get_by_label("Unified social credit code").fill(uscc_for(7))
    page.get_by_label("Legal representative").fill("王小明")
    page.get_by_label("Address name").fill("echo")
    page.get_by_role("button", name="Register company").click()
    # Each company host keeps its own session; the platform hands the signed-in owner over,
    # who confirms the account on the company's host.
    expect(page.get_by_role("heading", level=1)).to_have_text("Continue to Echo Trading Co")
    expect(page.get_by_text(NEWCOMER)).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(site.url("echo", "/"))
    expect(page.get_by_text("Echo Trading Co is registered. A reviewer will check the registration.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Echo Trading Co")
    screenshot(page, "account-1-company")

    # Two factors: the page shows a QR code and the same key as text; the "phone" types it.
    page.goto(site.url("echo", "/accounts/security/"))
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.get_by_role("img", name="QR code for the authenticator app")).to_be_visible()
    secret = page.locator(".secret-inline").inner_text()
    assert accessibility_violations(page) == []
    page.get_by_label("Code", exact=True).fill(_authenticator_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()
    codes = page.locator("code, li").filter(has_text=re.compile(r"^[A-Za-z0-9-]{8,}$"))
    assert codes.count() >= 5, "the recovery codes are shown once"
    screenshot(page, "account-2-recovery-codes")

    # Signing in now takes the app's code as well.
    page.get_by_role("button", name="Sign out").click()
    page.goto(site.url("echo", "/accounts/login/"))
    page.locator("input[name=username]").fill(NEWCOMER)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-factor check")).to_be_visible()
    page.get_by_label("Code from the authenticator app").check()
    page.get_by_label("Code", exact=True).fill(_authenticator_code(secret, 1))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Echo Trading Co")
    page.goto(site.url("echo", "/accounts/security/"))
    expect(page.get_by_role("link", name="Move to a new phone")).to_be_visible()
    screenshot(page, "account-3-signed-in-with-two-factors")


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


def test_registering_a_taken_id_number_leads_to_recovering_the_account(holder, live_db, site, new_context):
    page = new_context().new_page()
    page.goto(site.url(None, "/accounts/register/"))
    page.get_by_label("Real name").fill("李四")
    page.get_by_label("Resident ID number").fill(_id_number("31010419851120456"))
    page.get_by_label("Email").fill("li.si.new@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("This ID number is already registered")
    expect(page.get_by_text(HOLDER)).to_have_count(0)  # whose account it is stays hidden
    expect(page.locator("strong").filter(has_text="@example.com")).to_have_count(1)  # masked contact
    screenshot(page, "account-4-conflict")
    assert accessibility_violations(page) == []
    page.get_by_role("link", name="Recover the account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Recover your account")
    page.get_by_role("group", name="Send the code to").get_by_role("radio", name=re.compile(r"^Email ")).check()
    sent = len(mail.outbox)
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code")
    page.get_by_label("Code", exact=True).fill(_mailed_code(HOLDER, sent))
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password again").fill(PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("Your account is recovered and has a new password.")).to_be_visible()
    screenshot(page, "account-5-recovered")

    # The recovered account signs in with the new password; no second account was made.
    page.get_by_role("button", name="Sign out").click()
    page.goto(site.url(None, "/accounts/login/"))
    page.locator("input[name=username]").fill(HOLDER)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    assert not User.objects.filter(email="li.si.new@example.com").exists()
