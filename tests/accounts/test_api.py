from __future__ import annotations

import json

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Invitation, Membership, User
from tenants.services import api_key_create
from tests.accounts.conftest import ALICE_ID, last_code
from tests.conftest import client_on, enrol_authenticator, totp_now
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PERSON = {
    "email": "li@example.com",
    "password": "A-long-pass-2026",
    "full_name": "李四",
    "mobile": "13900001111",
    "id_number": ALICE_ID,
}


def _post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_register_returns_the_person_masked(db):
    response = _post(client_on(None), "/api/v1/auth/register/", PERSON)
    assert response.status_code == 201
    body = response.json()
    assert body["id_number_masked"] == "1101**********002X"
    assert body["mobile_masked"] == "139****1111"
    assert ALICE_ID not in response.content.decode()


def test_register_conflict_is_409_with_masked_recovery_contacts(db):
    _post(client_on(None), "/api/v1/auth/register/", PERSON)
    response = _post(client_on(None), "/api/v1/auth/register/", {**PERSON, "email": "x@example.com", "mobile": ""})
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "id_number_taken"
    assert body["errors"]["recovery_contacts"] == ["l***@example.com", "139****1111"]
    assert "li@example.com" not in response.content.decode()


def test_register_bad_input_is_400_with_field_errors(db):
    response = _post(
        client_on(None, HTTP_ACCEPT_LANGUAGE="en"),
        "/api/v1/auth/register/",
        {**PERSON, "id_number": "110105194912310021"},
    )
    assert response.status_code == 400
    assert "check digit" in response.json()["errors"]["id_number"][0]
    assert not User.objects.filter(email="li@example.com").exists()


def test_recovery_through_the_api(db):
    _post(client_on(None), "/api/v1/auth/register/", PERSON)
    client = client_on(None)
    assert _post(client, "/api/v1/auth/recovery/", {"id_number": ALICE_ID, "channel": "sms"}).status_code == 202
    code = last_code("13900001111@sms.invalid")
    response = _post(
        client, "/api/v1/auth/recovery/", {"id_number": ALICE_ID, "code": code, "password": "Recovered-Pass-1"}
    )
    assert response.status_code == 200
    assert User.objects.get(email="li@example.com").check_password("Recovered-Pass-1")
    # Unknown ID numbers get the same 202 and nothing is sent.
    assert _post(client, "/api/v1/auth/recovery/", {"id_number": "110105198001010016"}).status_code == 202


def test_session_sign_in_with_second_factor(db):
    _post(client_on(None), "/api/v1/auth/register/", PERSON)
    user = User.objects.get(email="li@example.com")
    device, _codes = enrol_authenticator(user)
    client = client_on(None)
    response = _post(client, "/api/v1/auth/session/", {"email": "li@example.com", "password": PERSON["password"]})
    assert response.status_code == 401 and response.json()["type"] == "second_factor_required"
    response = _post(
        client,
        "/api/v1/auth/session/",
        {
            "email": "li@example.com",
            "password": PERSON["password"],
            "method": "authenticator",
            "code": totp_now(device, 1),
        },
    )
    assert response.status_code == 200
    me = client.get("/api/v1/me/").json()
    assert me["two_factor_enabled"] is True and me["email"] == "li@example.com"


def test_session_wrong_password_locks_after_five(db):
    _post(client_on(None), "/api/v1/auth/register/", PERSON)
    statuses = [
        _post(client_on(None), "/api/v1/auth/session/", {"email": "li@example.com", "password": "nope"}).status_code
        for _ in range(6)
    ]
    assert statuses == [401, 401, 401, 401, 429, 429]


def test_company_registration_through_the_api(db):
    user = UserFactory(email_verified_at=timezone.now(), id_number_hash="j" * 64)
    client = client_on(None, user)
    body = {"name": "Omega Ltd", "slug": "omega", "uscc": "91310000MA1FL4CT3U", "legal_representative": "赵六"}
    response = client.post(
        "/api/v1/companies/", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="c1"
    )
    assert response.status_code == 201 and response.json()["slug"] == "omega"
    again = client.post(
        "/api/v1/companies/", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="c1"
    )
    assert again.json() == response.json()
    assert Membership.objects.get(user=user).role == "owner"


def test_members_api_and_isolation(world):
    with tenant_context(world.alpha):
        _key, alpha_key = api_key_create(company=world.alpha, name="HR", scopes=["admin"], acting_user=world.alice)
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {alpha_key}")
    members = api.get("/api/v1/members/").json()["results"]
    assert sorted(member["email"] for member in members) == ["alice@alpha.example", "bob@alpha.example"]
    response = _post(api, "/api/v1/invitations/", {"email": "carol@example.com", "role": "seal_keeper"})
    assert response.status_code == 201
    bob = Membership.objects.get(user=world.bob, company=world.alpha)
    response = api.patch(f"/api/v1/members/{bob.pk}/", json.dumps({"role": "admin"}), content_type="application/json")
    assert response.status_code == 200 and response.json()["role"] == "admin"

    charlie = client_on(world.alpha, world.charlie)
    assert charlie.get("/api/v1/members/").status_code == 404
    assert charlie.delete(f"/api/v1/members/{bob.pk}/").status_code == 404
    on_beta = client_on(world.beta, HTTP_AUTHORIZATION=f"Api-Key {alpha_key}")
    assert on_beta.get("/api/v1/members/").status_code == 401
    beta_owner = client_on(world.beta, world.charlie)
    assert beta_owner.delete(f"/api/v1/members/{bob.pk}/").status_code == 404
    assert Membership.objects.filter(pk=bob.pk).exists()
    assert Invitation.objects.filter(company=world.alpha).count() == 1


def test_two_factor_is_set_up_through_the_api(world, django_user_model):
    from django_otp.oath import TOTP

    from accounts.models import AuthenticatorDevice
    from accounts.two_factor import two_factor_enabled
    from tests.conftest import client_on

    api = client_on(None, world.bob)
    begun = api.post("/api/v1/me/authenticator/")
    assert begun.status_code == 201 and begun.json()["otpauth_uri"].startswith("otpauth://totp/")
    device = AuthenticatorDevice.objects.get(user=world.bob, confirmed=False)
    wrong = api.post("/api/v1/me/authenticator/confirm/", {"code": "000000"}, content_type="application/json")
    assert wrong.status_code == 400 and not two_factor_enabled(world.bob)
    code = f"{TOTP(device.bin_key).token():06d}"
    confirmed = api.post("/api/v1/me/authenticator/confirm/", {"code": code}, content_type="application/json")
    assert confirmed.status_code == 200 and len(confirmed.json()["recovery_codes"]) >= 8
    assert two_factor_enabled(world.bob)
    # Another session of Bob's, signed in by password only, cannot swap the authenticator.
    other = client_on(None, world.bob)
    refused = other.post("/api/v1/me/authenticator/")
    assert refused.status_code == 403 and refused.json()["type"] == "second_factor_required"
    assert AuthenticatorDevice.objects.filter(user=world.bob).count() == 1
