"""A member of company A never sees or touches company B: by host, page, API or key."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import tenant_context

from events.models import AuditEvent
from events.services import audit_event_record
from tenants.models import Company
from tenants.services import api_key_create
from tests.conftest import client_on
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_member_sees_own_company_home(world):
    response = client_on(world.alpha, world.alice).get("/")
    assert response.status_code == 200
    assert "Alpha Ltd" in response.content.decode()


def test_it_refuses_other_company_host_with_404(world):
    response = client_on(world.alpha, world.charlie).get("/")
    assert response.status_code == 404
    assert "Alpha Ltd" not in response.content.decode()


def test_signed_in_person_without_any_company_gets_404(world):
    stranger = UserFactory()
    assert client_on(world.alpha, stranger).get("/audit/").status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(world):
    response = client_on(world.alpha).get("/audit/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/audit/"


def test_rows_of_one_schema_are_invisible_in_another(world):
    with tenant_context(world.beta):
        audit_event_record(acting_user=world.charlie, action="beta.secret", data={"x": 1})
    with tenant_context(world.alpha):
        assert not AuditEvent.objects.filter(action="beta.secret").exists()
        assert AuditEvent.objects.get(action="company.created").data["slug"] == "alpha"
    with tenant_context(world.beta):
        assert AuditEvent.objects.filter(action="beta.secret").count() == 1


def test_api_lists_only_the_hosts_rows(world):
    with tenant_context(world.beta):
        audit_event_record(acting_user=world.charlie, action="beta.secret")
    response = client_on(world.alpha, world.alice).get("/api/v1/audit_events/")
    assert response.status_code == 200
    actions = [row["action"] for row in response.json()["results"]]
    assert actions == ["company.created"]


def test_session_of_other_company_gets_api_404_and_changes_nothing(world):
    with tenant_context(world.alpha):
        api_key, _raw = api_key_create(company=world.alpha, name="ERP", scopes=["admin"], acting_user=world.alice)
    client = client_on(world.alpha, world.charlie)
    assert client.get("/api/v1/company/").json()["type"] == "not_found"
    response = client.post(f"/api/v1/api_keys/{api_key.pk}/revoke/")
    assert response.status_code == 404
    assert response.json()["type"] == "not_found"
    api_key.refresh_from_db()
    assert api_key.revoked_at is None


def test_other_companys_key_id_is_404_on_own_host(world):
    with tenant_context(world.alpha):
        api_key, _raw = api_key_create(company=world.alpha, name="ERP", scopes=["admin"], acting_user=world.alice)
    response = client_on(world.beta, world.charlie).post(f"/api/v1/api_keys/{api_key.pk}/revoke/")
    assert response.status_code == 404
    api_key.refresh_from_db()
    assert api_key.revoked_at is None
    response = client_on(world.beta, world.charlie).post(f"/settings/api-keys/{api_key.pk}/revoke/")
    assert response.status_code == 404
    api_key.refresh_from_db()
    assert api_key.revoked_at is None


def test_api_key_of_a_is_rejected_on_b(world):
    with tenant_context(world.alpha):
        api_key, raw_key = api_key_create(company=world.alpha, name="ERP", scopes=["read"], acting_user=world.alice)
    response = client_on(world.beta, HTTP_AUTHORIZATION=f"Api-Key {raw_key}").get("/api/v1/company/")
    assert response.status_code == 401
    assert response.json()["type"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Api-Key"
    api_key.refresh_from_db()
    assert api_key.last_used_at is None
    # ...and works on its own host.
    response = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw_key}").get("/api/v1/company/")
    assert response.status_code == 200
    assert response.json()["slug"] == "alpha"


def test_api_key_is_rejected_on_the_platform_host(world):
    with tenant_context(world.alpha):
        _key, raw_key = api_key_create(company=world.alpha, name="ERP", scopes=["read"], acting_user=world.alice)
    response = client_on(None, HTTP_AUTHORIZATION=f"Api-Key {raw_key}").get("/api/v1/company/")
    assert response.status_code == 404


def test_unknown_host_gets_a_friendly_page(world):
    response = client_on(None, HTTP_HOST="nobody.sealhub.test").get("/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "nobody.sealhub.test" in body
    assert "Traceback" not in body


def test_unknown_host_api_answers_in_the_error_format(world):
    response = client_on(None, HTTP_HOST="nobody.sealhub.test").get("/api/v1/company/")
    assert response.status_code == 404
    assert set(json.loads(response.content)) == {"type", "title", "detail", "errors"}


def test_suspended_company_host_is_gone(world):
    Company.objects.filter(pk=world.alpha.pk).update(status=Company.Status.SUSPENDED)
    response = client_on(world.alpha, world.alice).get("/")
    assert response.status_code == 404
    assert "Alpha Ltd" not in response.content.decode()
