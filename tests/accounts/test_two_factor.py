from __future__ import annotations

import re

import pytest
from django.db import connection

from accounts.models import AuthenticatorDevice, FactorLock, RecoveryCode, User
from tests.conftest import client_on, enrol_authenticator, totp_now, verified_client_on

pytestmark = pytest.mark.django_db


def _password_step(client, email="zhang@example.com", password="Tr1cky-Seal-Pass"):
    response = client.post("/accounts/login/", {"username": email, "password": password})
    assert response["Location"] == "/accounts/login/verify/"
    return response


def test_enrolment_shows_a_qr_code_and_recovery_codes_once(registered):
    client = client_on(None, registered, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/accounts/security/authenticator/").content.decode()
    assert "<svg" in page
    device = AuthenticatorDevice.objects.get(user=registered, confirmed=False)
    secret = re.search(r'<code class="secret-inline">([A-Z2-7]+)</code>', page).group(1)
    # The secret is stored encrypted, not as the base32 text or hex.
    with connection.cursor() as cursor:
        cursor.execute("SELECT encrypted_key FROM accounts_authenticatordevice WHERE id = %s", [device.pk])
        stored = bytes(cursor.fetchone()[0])
    assert device.bin_key not in stored and secret.encode() not in stored
    wrong = client.post("/accounts/security/authenticator/", {"code": "000000"})
    assert wrong.status_code == 400 and secret in wrong.content.decode()  # same secret kept
    response = client.post("/accounts/security/authenticator/", {"code": totp_now(device)})
    codes = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", response.content.decode())
    assert len(set(codes)) == 10
    assert RecoveryCode.objects.filter(device__user=registered).count() == 10
    assert all(
        code.replace("-", "") not in str(RecoveryCode.objects.values_list("code_hash", flat=True)) for code in codes
    )
    assert "<code>" not in client.get("/accounts/security/").content.decode()


def test_sign_in_needs_the_second_factor(registered):
    device, _codes = enrol_authenticator(registered)
    client = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    _password_step(client)
    assert "_auth_user_id" not in client.session  # no session before the second factor
    response = client.post("/accounts/login/verify/", {"method": "authenticator", "code": totp_now(device, 1)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(registered.pk)


def test_a_used_totp_code_cannot_be_replayed(registered):
    from django_otp.oath import TOTP

    device, _codes = enrol_authenticator(registered)
    # The very code enrolment used (its 30-second step), even if the next step began since.
    used = TOTP(device.bin_key)
    used.time = device.last_t * 30
    client = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    _password_step(client)
    response = client.post("/accounts/login/verify/", {"method": "authenticator", "code": f"{used.token():06d}"})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_recovery_code_works_once(registered):
    _device, codes = enrol_authenticator(registered)
    first = client_on(None)
    _password_step(first)
    assert first.post("/accounts/login/verify/", {"method": "recovery_code", "code": codes[0]}).status_code == 302
    second = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    _password_step(second)
    response = second.post("/accounts/login/verify/", {"method": "recovery_code", "code": codes[0]})
    assert response.status_code == 400 and "not correct" in response.content.decode()
    assert (
        second.post("/accounts/login/verify/", {"method": "recovery_code", "code": codes[1].upper()}).status_code == 302
    )


def test_five_wrong_otps_lock_the_factor(registered):
    device, _codes = enrol_authenticator(registered)
    client = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    _password_step(client)
    for _attempt in range(4):
        assert (
            "not correct"
            in client.post("/accounts/login/verify/", {"method": "authenticator", "code": "000000"}).content.decode()
        )
    assert (
        "Too many wrong codes"
        in client.post("/accounts/login/verify/", {"method": "authenticator", "code": "000000"}).content.decode()
    )
    assert FactorLock.objects.filter(user=registered, factor="otp").count() == 1
    # The right code (a fresh one) is refused while the lock holds.
    response = client.post("/accounts/login/verify/", {"method": "authenticator", "code": totp_now(device, 1)})
    assert response.status_code == 400 and "_auth_user_id" not in client.session


def test_reviewer_admin_refuses_a_user_without_a_verified_device(reviewer):
    password_only = client_on(None, reviewer, HTTP_ACCEPT_LANGUAGE="en")
    response = password_only.get("/admin/accounts/identityappeal/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/security/"
    assert "Reviewers must sign in with two-factor authentication" in response.content.decode()
    anonymous = client_on(None).get("/admin/", follow=True)
    assert anonymous.redirect_chain[-1][0] == "/accounts/login/?next=/admin/"
    assert verified_client_on(None, reviewer).get("/admin/accounts/identityappeal/").status_code == 200


def test_reviewer_group_sees_queues_not_raw_secrets(world, registered):
    from accounts.services import reviewer_group_ensure
    from tests.factories import UserFactory

    reviewer = UserFactory(is_staff=True)
    reviewer.groups.add(reviewer_group_ensure())
    admin = verified_client_on(None, reviewer)
    page = admin.get(f"/admin/accounts/user/{registered.pk}/change/").content.decode()
    assert "1101**********002X" in page
    assert registered.id_number_hash not in page
    assert admin.get("/admin/accounts/identityappeal/").status_code == 200
    assert admin.get("/admin/auth/group/").status_code == 404  # groups are not in the reviewer admin


def test_a_reviewer_who_sets_up_the_app_goes_on_to_the_review_pages(registered):
    """(A reviewer's first app is set up before the role is granted; from a session they
    replace it, after using the old one.)"""
    enrol_authenticator(registered)
    User.objects.filter(pk=registered.pk).update(is_staff=True)
    registered.refresh_from_db()
    client = verified_client_on(None, registered, HTTP_ACCEPT_LANGUAGE="en")
    client.get("/accounts/security/authenticator/")
    device = AuthenticatorDevice.objects.get(user=registered, confirmed=False)
    page = client.post("/accounts/security/authenticator/", {"code": totp_now(device)}).content.decode()
    assert '<a class="button primary" href="/admin/">I have saved them</a>' in page
    assert client.get("/admin/").status_code == 200  # the new factor counts for this session


def test_a_member_who_sets_up_the_app_goes_back_to_security(registered):
    client = client_on(None, registered, HTTP_ACCEPT_LANGUAGE="en")
    client.get("/accounts/security/authenticator/")
    device = AuthenticatorDevice.objects.get(user=registered, confirmed=False)
    page = client.post("/accounts/security/authenticator/", {"code": totp_now(device)}).content.decode()
    assert '<a class="button primary" href="/accounts/security/">I have saved them</a>' in page
