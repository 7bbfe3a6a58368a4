from __future__ import annotations

import json

import pytest
from django_tenants.utils import tenant_context

from seals.models import Seal, SealApplication
from seals.services import seal_application_approve
from tenants.services import api_key_create
from tests.conftest import client_on
from tests.seals.conftest import licence

pytestmark = pytest.mark.django_db


def _key(world, scopes):
    with tenant_context(world.alpha):
        return api_key_create(company=world.alpha, name="ERP", scopes=scopes, acting_user=world.alice)[1]


def test_apply_list_and_revoke_through_the_api(approved_alpha, world):
    api = client_on(approved_alpha, HTTP_AUTHORIZATION=f"Api-Key {_key(world, ['seals'])}")
    response = api.post(
        "/api/v1/seal_applications/",
        {
            "seal_type": "finance",
            "seal_name": "Alpha Ltd",
            "seal_password": "Seal-pass-2026",
            "business_licence": licence(),
        },
    )
    assert response.status_code == 201, response.content
    application = SealApplication.objects.get(pk=response.json()["id"])
    assert application.applicant == world.alice  # the key acts for the admin who made it
    seal = seal_application_approve(application=application, acting_user=world.alice)
    assert api.get(f"/api/v1/seal_applications/{application.pk}/").json()["seal_id"] == str(seal.pk)
    listing = api.get("/api/v1/seals/").json()["results"]
    assert [row["code"] for row in listing] == [seal.code]
    assert api.get(f"/api/v1/seals/{seal.pk}/certificate/").content.startswith(b"-----BEGIN CERTIFICATE-----")
    assert api.get(f"/api/v1/seals/{seal.pk}/image/").content.startswith(b"\x89PNG")
    response = api.post(
        f"/api/v1/seals/{seal.pk}/status/",
        json.dumps({"status": "revoked", "reason": "Key lost"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "revoked"


def test_api_bad_application_input(approved_alpha, world):
    api = client_on(approved_alpha, HTTP_AUTHORIZATION=f"Api-Key {_key(world, ['seals'])}", HTTP_ACCEPT_LANGUAGE="en")
    response = api.post(
        "/api/v1/seal_applications/", {"seal_type": "finance", "seal_name": "X", "seal_password": "weak"}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"business_licence"}
    response = api.post(
        "/api/v1/seal_applications/",
        {"seal_type": "finance", "seal_name": "X", "seal_password": "weak", "business_licence": licence()},
    )
    assert response.status_code == 400 and response.json()["type"] == "seal_password_weak"
    assert not SealApplication.objects.exists()


def test_read_scope_cannot_apply_and_other_company_sees_nothing(approved_alpha, world):
    reader = client_on(approved_alpha, HTTP_AUTHORIZATION=f"Api-Key {_key(world, ['read'])}")
    response = reader.post(
        "/api/v1/seal_applications/",
        {"seal_type": "finance", "seal_name": "X", "seal_password": "Seal-pass-2026", "business_licence": licence()},
    )
    assert response.status_code == 403
    from seals.services import seal_application_submit

    application = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="official",
        seal_name="Alpha",
        seal_password="Seal-pass-2026",
        business_licence=licence(),
    )
    seal = seal_application_approve(application=application, acting_user=world.alice)
    charlie = client_on(world.beta, world.charlie)
    assert charlie.get(f"/api/v1/seals/{seal.pk}/").status_code == 404
    assert charlie.get(f"/api/v1/seal_applications/{application.pk}/").status_code == 404
    response = charlie.post(
        f"/api/v1/seals/{seal.pk}/status/",
        json.dumps({"status": "revoked", "reason": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert charlie.get("/api/v1/seals/").json()["results"] == []
    seal.refresh_from_db()
    assert seal.status == Seal.Status.ACTIVE


def test_key_of_someone_who_left_cannot_act_for_them(approved_alpha, world):
    from accounts.models import Membership

    raw_key = _key(world, ["seals"])
    Membership.objects.filter(user=world.alice, company=approved_alpha).update(role="member")
    api = client_on(approved_alpha, HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    body = {"seal_type": "finance", "seal_name": "X", "seal_password": "Seal-pass-2026", "business_licence": licence()}
    response = api.post("/api/v1/seal_applications/", body)
    assert response.status_code == 403 and response.json()["type"] == "role_forbids"
    Membership.objects.filter(user=world.alice, company=approved_alpha).delete()
    body["business_licence"] = licence()
    response = api.post("/api/v1/seal_applications/", body)
    assert response.status_code == 401 and response.json()["type"] == "api_key_creator_not_member"
    assert not SealApplication.objects.exists()
