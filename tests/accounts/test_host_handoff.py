"""From the platform to a company host without signing in twice: a signed token bound to
one company, good for one minute and one use, carrying the second factor along."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import Membership
from tests.conftest import PASSWORD, client_on, continue_on_company_host, host_of, verified_client_on

pytestmark = pytest.mark.django_db


_arrive = continue_on_company_host


def test_opening_a_company_from_the_platform_signs_in_on_its_host(world):
    platform = client_on(None, world.alice)
    opened = platform.get(f"/companies/{world.alpha.slug}/open/")
    assert opened.status_code == 302 and urlsplit(opened["Location"]).hostname == host_of(world.alpha)
    browser, arrived = _arrive(opened["Location"])
    assert arrived.status_code == 302 and arrived["Location"] == "/"
    assert browser.get("/").status_code == 200  # a member's page, no sign-in asked
    assert str(browser.session["_auth_user_id"]) == str(world.alice.pk)


def test_a_token_works_once_only_on_its_company_and_only_for_a_minute(world, monkeypatch):
    location = client_on(None, world.alice).get(f"/companies/{world.alpha.slug}/open/")["Location"]
    _browser, first = _arrive(location)
    assert first["Location"] == "/"
    replay, again = _arrive(location, HTTP_ACCEPT_LANGUAGE="en")
    assert again["Location"] == "/accounts/login/?next=/"
    assert "_auth_user_id" not in replay.session
    assert [str(message) for message in get_messages(again.wsgi_request)] == [
        "This sign-in link has expired or was already used. Please sign in."
    ]

    # Alice is a member of alpha only: her alpha token is no key to beta's host.
    Membership.objects.create(user=world.alice, company=world.beta, role=Membership.Role.MEMBER)
    other = client_on(None, world.alice).get(f"/companies/{world.alpha.slug}/open/")["Location"]
    on_beta = Client(HTTP_HOST=host_of(world.beta)).get(f"/accounts/handoff/?{urlsplit(other).query}")
    assert on_beta["Location"] == "/accounts/login/?next=/"

    late = client_on(None, world.alice).get(f"/companies/{world.alpha.slug}/open/")["Location"]
    now = time.time()
    monkeypatch.setattr("django.core.signing.time.time", lambda: now + 61)
    assert _arrive(late)[1]["Location"] == "/accounts/login/?next=/"


def test_the_second_factor_proven_on_the_platform_counts_on_the_company_host(world):
    platform = verified_client_on(None, world.alice)
    browser, arrived = _arrive(platform.get(f"/companies/{world.alpha.slug}/open/")["Location"])
    assert arrived["Location"] == "/"
    assert browser.session[DEVICE_ID_SESSION_KEY] == platform.session[DEVICE_ID_SESSION_KEY]


def test_a_password_change_or_a_removed_membership_ends_a_token_in_flight(world):
    location = client_on(None, world.bob).get(f"/companies/{world.alpha.slug}/open/")["Location"]
    world.bob.set_password(PASSWORD + "-new")
    world.bob.save()
    assert _arrive(location)[1]["Location"] == "/accounts/login/?next=/"

    location = client_on(None, world.bob).get(f"/companies/{world.alpha.slug}/open/")["Location"]
    Membership.objects.filter(user=world.bob, company=world.alpha).delete()
    browser, arrived = _arrive(location)
    assert arrived["Location"] == "/accounts/login/?next=/"
    assert "_auth_user_id" not in browser.session


def test_a_link_alone_signs_no_browser_in(world):
    """Someone else's token opened in my browser asks first, naming the account."""
    location = client_on(None, world.bob).get(f"/companies/{world.alpha.slug}/open/")["Location"]
    url = urlsplit(location)
    victim = Client(HTTP_HOST=url.hostname, HTTP_ACCEPT_LANGUAGE="en")
    page = victim.get(f"{url.path}?{url.query}")
    assert page.status_code == 200 and world.bob.email in page.content.decode()
    assert "If this is not your account, do not continue" in page.content.decode()
    assert "_auth_user_id" not in victim.session
    assert world.bob.get_session_auth_hash() not in location


def test_only_a_members_company_opens(world):
    assert client_on(None, world.charlie).get(f"/companies/{world.alpha.slug}/open/").status_code == 404
    assert client_on(None).get(f"/companies/{world.alpha.slug}/open/").status_code == 302  # to sign in first
    assert Client(HTTP_HOST=host_of(world.alpha)).get("/accounts/handoff/?token=forged").status_code == 302


def test_an_account_with_two_factors_is_not_handed_over_from_an_unverified_session(world):
    from tests.conftest import enrol_authenticator

    enrol_authenticator(world.alice)
    unverified = client_on(None, world.alice)  # signed in without the second factor
    location = unverified.get(f"/companies/{world.alpha.slug}/open/")["Location"]
    browser, arrived = _arrive(location)
    assert arrived["Location"] == "/accounts/login/?next=/"
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize("sign_out", ["page", "api"])
def test_signing_out_on_the_platform_ends_a_token_in_flight(world, sign_out):
    """A hand-over link copied from a shared computer is no way back in once its owner signed out."""
    platform = client_on(None, world.alice)
    location = platform.get(f"/companies/{world.alpha.slug}/open/")["Location"]
    if sign_out == "page":
        assert platform.post("/accounts/logout/").status_code == 302
    else:
        assert platform.delete("/api/v1/auth/session/").status_code == 204
    browser, arrived = _arrive(location, HTTP_ACCEPT_LANGUAGE="en")
    assert arrived["Location"] == "/accounts/login/?next=/"
    assert "_auth_user_id" not in browser.session
    assert [str(message) for message in get_messages(arrived.wsgi_request)] == [
        "This sign-in link has expired or was already used. Please sign in."
    ]


def test_a_token_from_a_session_that_signed_in_again_still_works(world):
    """Signing in anew on the platform (a new session) leaves the new session's tokens working."""
    platform = client_on(None, world.alice)
    platform.post("/accounts/logout/")
    platform.force_login(world.alice)
    browser, arrived = _arrive(platform.get(f"/companies/{world.alpha.slug}/open/")["Location"])
    assert arrived["Location"] == "/"
    assert str(browser.session["_auth_user_id"]) == str(world.alice.pk)


def test_a_password_reset_ends_a_token_in_flight(world):
    from django.core import mail

    from tests.accounts.conftest import last_code

    location = client_on(None, world.bob).get(f"/companies/{world.alpha.slug}/open/")["Location"]
    anonymous = client_on(None)
    anonymous.post("/accounts/password/reset/", {"contact": world.bob.email})
    assert mail.outbox
    code = last_code(world.bob.email)
    new = PASSWORD + "-reset"
    reset = anonymous.post(
        "/accounts/password/reset/confirm/",
        {"contact": world.bob.email, "code": code, "password": new, "password_again": new},
    )
    assert reset.status_code == 302
    browser, arrived = _arrive(location)
    assert arrived["Location"] == "/accounts/login/?next=/"
    assert "_auth_user_id" not in browser.session


def test_signing_out_on_the_company_host_signs_out_of_the_platform_too(world):
    platform = client_on(None, world.alice)
    browser, _arrived = _arrive(platform.get(f"/companies/{world.alpha.slug}/open/")["Location"])
    assert platform.get("/accounts/security/").status_code == 200
    assert browser.post("/accounts/logout/").status_code == 302
    assert browser.get("/").status_code == 302  # signed out here
    assert platform.get("/accounts/security/")["Location"].startswith("/accounts/login/")  # and there


def test_signing_out_on_a_host_signed_into_directly_leaves_other_sessions_alone(world):
    platform = client_on(None, world.alice)
    company = client_on(world.alpha, world.alice)
    assert company.post("/accounts/logout/").status_code == 302
    assert platform.get("/accounts/security/").status_code == 200
