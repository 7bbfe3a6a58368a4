"""The mailbox alone never opens an account that has an authenticator: a password reset
keeps every second factor, an emailed code is no second factor next to an authenticator
(recovery codes are the fallback), reviewers use their authenticator only, and every
change of password or second factor is mailed to the address on file."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.codes import code_send
from accounts.models import AuthenticatorDevice, EmailCodeDevice, OneTimeCode, RecoveryCode, SecurityEvent, User
from accounts.services import reviewer_group_ensure
from tests.accounts.conftest import last_code
from tests.conftest import PASSWORD, client_on, enrol_authenticator, totp_now, verified_client_on
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EMAIL = "zhang@example.com"
NEW_PASSWORD = "Mailbox-Only-2026"
REFUSED = "emailed codes are not accepted"


def _reset_password_by_email(client, email: str = EMAIL, password: str = NEW_PASSWORD):
    client.post("/accounts/password/reset/", {"contact": email})
    return client.post(
        "/accounts/password/reset/confirm/",
        {"contact": email, "code": last_code(email), "password": password, "password_again": password},
    )


def _password_step(client, email: str, password: str):
    response = client.post("/accounts/login/", {"username": email, "password": password})
    assert response["Location"] == "/accounts/login/verify/"


def _a_real_login_code(user: User) -> str:
    """What an attacker holding the mailbox would read, however the code got there."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        code_send(user=user, purpose=OneTimeCode.Purpose.LOGIN)
    return last_code(user.email)


def _devices(user: User) -> tuple:
    authenticator = AuthenticatorDevice.objects.get(user=user, confirmed=True)
    return (
        authenticator.pk,
        bytes(authenticator.encrypted_key),
        sorted(
            RecoveryCode.objects.filter(device__user=user, used_at__isnull=True).values_list("code_hash", flat=True)
        ),
    )


def test_a_reset_password_and_the_mailbox_do_not_open_an_account_with_an_authenticator(registered):
    _device, codes = enrol_authenticator(registered)
    devices = _devices(registered)
    attacker = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    reset = _reset_password_by_email(attacker)
    # The password changed, but the reset signs nobody in: the second step still stands.
    assert reset.status_code == 302 and reset["Location"] == "/accounts/login/verify/"
    assert "_auth_user_id" not in attacker.session
    registered.refresh_from_db()
    assert registered.check_password(NEW_PASSWORD)
    assert _devices(registered) == devices  # the reset weakened no second factor

    # Asking for an emailed code: refused, and no code is mailed.
    sent_before = len(mail.outbox)
    asked = attacker.post("/accounts/login/verify/", {"send_email_code": "1"}, follow=True)
    assert REFUSED in asked.content.decode()
    assert len(mail.outbox) == sent_before
    # A code that reached the mailbox anyway is no second factor either.
    refused = attacker.post("/accounts/login/verify/", {"method": "email", "code": _a_real_login_code(registered)})
    assert refused.status_code == 400
    assert REFUSED in refused.content.decode() and "recovery code" in refused.content.decode()
    assert "_auth_user_id" not in attacker.session
    refusals = SecurityEvent.objects.filter(user=registered, action="email_code.refused")
    assert refusals.count() == 2
    # The owner's security page tells them why, not that a lockout happened.
    with translation.override("en"):
        assert {event.action_label for event in refusals} == {
            "Emailed code refused: this account confirms with its authenticator app"
        }
    with translation.override("zh-hans"):
        assert {event.action_label for event in refusals} == {"邮件验证码被拒绝：此账户使用身份验证器应用确认"}

    # The owner, with a recovery code, gets in.
    owner = client_on(None)
    _password_step(owner, EMAIL, NEW_PASSWORD)
    assert owner.post("/accounts/login/verify/", {"method": "recovery_code", "code": codes[0]}).status_code == 302
    assert owner.session["_auth_user_id"] == str(registered.pk)


def test_the_email_code_is_refused_through_the_api_too(registered):
    enrol_authenticator(registered)
    api = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    response = api.post(
        "/api/v1/auth/session/",
        {"email": EMAIL, "password": "Tr1cky-Seal-Pass", "method": "email", "code": _a_real_login_code(registered)},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["type"] == "email_code_not_accepted"
    assert "_auth_user_id" not in api.session


def test_account_recovery_keeps_the_second_step(registered):
    enrol_authenticator(registered)
    client = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    client.post(
        "/accounts/register/",
        {
            "full_name": "张三",
            "id_number": "11010519491231002X",
            "email": "other@example.com",
            "mobile": "",
            "password": "Tr1cky-Seal-Pass",
            "password_again": "Tr1cky-Seal-Pass",
        },
    )
    client.post("/accounts/recover/", {"channel": "email"})
    response = client.post(
        "/accounts/recover/confirm/",
        {"code": last_code(EMAIL), "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/verify/"
    assert "_auth_user_id" not in client.session


def test_an_unverified_session_cannot_replace_the_authenticator(registered):
    device, _codes = enrol_authenticator(registered)
    before = _devices(registered)
    password_only = client_on(None, registered, HTTP_ACCEPT_LANGUAGE="en")  # e.g. a session from before enrolment
    page = password_only.get("/accounts/security/authenticator/", follow=True)
    assert page.redirect_chain[-1][0] == "/accounts/security/"
    assert "Sign in with your current second factor" in page.content.decode()
    assert not AuthenticatorDevice.objects.filter(user=registered, confirmed=False).exists()
    refused = password_only.post("/accounts/security/authenticator/", {"code": totp_now(device, 1)})
    assert refused.status_code == 302
    assert _devices(registered) == before
    # With the second factor verified, moving to a new phone works.
    verified = verified_client_on(None, registered)
    assert verified.get("/accounts/security/authenticator/").status_code == 200


@pytest.fixture
def reviewer(db) -> User:
    user = UserFactory(email="rita@sealhub.example", is_staff=True, full_name="Rita Reviewer")
    user.groups.add(reviewer_group_ensure())
    enrol_authenticator(user)
    return user


def test_a_reviewer_cannot_use_an_emailed_code(reviewer):
    client = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    _password_step(client, reviewer.email, PASSWORD)
    response = client.post("/accounts/login/verify/", {"method": "email", "code": _a_real_login_code(reviewer)})
    assert response.status_code == 400 and REFUSED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_reviewer_without_an_authenticator_is_not_offered_email_codes(db):
    staff = UserFactory(email="new-reviewer@sealhub.example", is_staff=True)
    staff.groups.add(reviewer_group_ensure())
    from accounts.two_factor import second_factor_verify
    from config.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        second_factor_verify(user=staff, method="email", token=_a_real_login_code(staff))
    assert refused.value.code == "email_code_not_accepted"


def test_the_admin_refuses_a_session_verified_by_an_emailed_code(reviewer):
    client = client_on(None, reviewer, HTTP_ACCEPT_LANGUAGE="en")
    device, _created = EmailCodeDevice.objects.get_or_create(user=reviewer, defaults={"name": "email"})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    response = client.get("/admin/accounts/identityappeal/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/security/"
    assert verified_client_on(None, reviewer).get("/admin/accounts/identityappeal/").status_code == 200


def _notices(to: str) -> list:
    return [message for message in mail.outbox if message.to == [to] and not re.search(r"\b\d{6}\b", message.body)]


def test_a_password_reset_is_mailed_to_the_owner_in_their_language(registered):
    User.objects.filter(pk=registered.pk).update(language="en")
    mail.outbox.clear()
    _reset_password_by_email(client_on(None, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    [notice] = _notices(EMAIL)
    assert notice.subject == "Your Sealhub password was changed"
    assert NEW_PASSWORD not in notice.body and EMAIL in notice.body
    assert "If this was not you" in notice.body


def test_second_factor_changes_are_mailed_to_the_owner(registered):
    mail.outbox.clear()
    User.objects.filter(pk=registered.pk).update(language="en")
    registered.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        _device, codes = enrol_authenticator(registered)
    client = verified_client_on(None, registered)
    client.post("/accounts/security/recovery-codes/")
    subjects = [notice.subject for notice in _notices(EMAIL)]
    assert subjects == ["Two-factor sign-in was turned on for your Sealhub account", "New Sealhub recovery codes"]
    assert all(code not in message.body for message in mail.outbox for code in codes)


def test_signing_in_remembers_the_language_for_later_mail(registered):
    client = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    client.post("/accounts/login/", {"username": EMAIL, "password": "Tr1cky-Seal-Pass"})
    registered.refresh_from_db()
    assert registered.language == "en"


def test_the_refusal_and_the_notice_speak_chinese(registered):
    enrol_authenticator(registered)
    User.objects.filter(pk=registered.pk).update(language="zh-hans")
    mail.outbox.clear()
    client = client_on(None, HTTP_ACCEPT_LANGUAGE="zh-hans")
    _reset_password_by_email(client)
    refused = client.post("/accounts/login/verify/", {"method": "email", "code": "123456"})
    assert "不接受邮件验证码" in refused.content.decode()
    [notice] = _notices(EMAIL)
    assert notice.subject == "您的 Sealhub 密码已更改"
    assert "如果不是您本人操作" in notice.body


def test_a_reviewer_without_an_authenticator_cannot_set_one_up_from_a_signed_in_session(world):
    """A password reset proves the mailbox only: if a reviewer's first authenticator could be
    set up from that session, the mailbox alone would open the admin."""
    User.objects.filter(pk=world.bob.pk).update(is_staff=True)
    client = client_on(None, world.bob, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/accounts/security/authenticator/")
    assert page.status_code == 403
    assert "authenticator" in page.content.decode()
    assert client.post("/accounts/security/authenticator/", {"code": "123456"}).status_code == 403
    api = client.post("/api/v1/me/authenticator/")
    assert api.status_code == 403
    assert api.json()["type"] == "reviewer_authenticator_missing"
    assert not AuthenticatorDevice.objects.filter(user=world.bob).exists()
    assert SecurityEvent.objects.filter(user=world.bob, action="authenticator.refused").exists()
    response = client.get("/admin/")
    assert response.status_code == 302
