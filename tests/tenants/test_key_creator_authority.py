"""An API key acts with its creator's authority as it is at each request: demoted, the key
loses what the new role may not do; removed or frozen, it stops with a reason."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Membership
from config.errors import ApplicationError
from documents.models import Document
from documents.services import document_upload
from tenants.models import ApiKey
from tenants.services import api_key_create
from tests.conftest import client_on
from tests.documents.pdfs import make_pdf
from workflows.models import AuditEvent, WebhookEndpoint

pytestmark = pytest.mark.django_db

HOOK = json.dumps({"url": "http://127.0.0.1:9/hook", "events": ["envelope.completed"]})


def _bob_admin_key(world, scopes=("admin",)):
    """Bob, made an administrator, creates a key; then the owner changes his standing."""
    Membership.objects.filter(user=world.bob, company=world.alpha).update(role=Membership.Role.ADMIN)
    with tenant_context(world.alpha):
        api_key, raw = api_key_create(company=world.alpha, name="bob's ERP", scopes=list(scopes), acting_user=world.bob)
        document = document_upload(name="lease.pdf", data=make_pdf(1), acting_user=world.alice)
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}", HTTP_ACCEPT_LANGUAGE="en")
    return api_key, api, document


def _bob_membership(world) -> Membership:
    return Membership.objects.get(user=world.bob, company=world.alpha)


def _counts(world) -> tuple[int, int, int, int]:
    with tenant_context(world.alpha):
        return (
            ApiKey.objects.filter(company=world.alpha).count(),
            WebhookEndpoint.objects.count(),
            Document.objects.count(),
            AuditEvent.objects.filter(action__in=["api_key.created", "webhook.created", "document.uploaded"]).count(),
        )


def _admin_areas(api, document):
    return {
        "api_keys create": api.post(
            "/api/v1/api_keys/", {"name": "escalate", "scopes": ["admin"]}, content_type="application/json"
        ),
        "api_keys list": api.get("/api/v1/api_keys/"),
        "webhooks create": api.post("/api/v1/webhooks/", HOOK, content_type="application/json"),
        "audit trail": api.get("/api/v1/audit_events/"),
        "invitations create": api.post(
            "/api/v1/invitations/", {"email": "x@example.com", "role": "admin"}, content_type="application/json"
        ),
    }


def _all_areas(api, document):
    return {
        **_admin_areas(api, document),
        "documents list": api.get("/api/v1/documents/"),
        "documents download": api.get(f"/api/v1/documents/{document.pk}/versions/1/download/"),
        "documents upload": api.post("/api/v1/documents/", {"file": SimpleUploadedFile("new.pdf", make_pdf(1))}),
        "members": api.get("/api/v1/members/"),
        "company": api.get("/api/v1/company/"),
    }


def test_a_demoted_creators_key_loses_administration_at_once(world):
    _api_key, api, document = _bob_admin_key(world)
    assert api.get("/api/v1/audit_events/").status_code == 200  # while Bob administers
    owner = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    assert owner.post(f"/members/{_bob_membership(world).pk}/role/", {"role": "member"}).status_code == 302
    before = _counts(world)

    for area, response in _admin_areas(api, document).items():
        assert response.status_code == 403, area
        assert response.json()["type"] == "api_key_creator_not_admin", area
        assert "may no longer administer" in response.json()["detail"], area
    assert _counts(world) == before
    # What a member may do, the key still does.
    assert api.get("/api/v1/documents/").status_code == 200
    assert api.get(f"/api/v1/documents/{document.pk}/versions/1/download/").status_code == 200


def test_a_removed_creators_key_stops_everywhere_with_a_reason(world):
    _api_key, api, document = _bob_admin_key(world)
    owner = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    assert owner.post(f"/members/{_bob_membership(world).pk}/remove/").status_code == 302
    before = _counts(world)

    for area, response in _all_areas(api, document).items():
        assert response.status_code == 401, area
        assert response.json()["type"] == "api_key_creator_not_member", area
        assert "no longer a member" in response.json()["detail"], area
    assert _counts(world) == before


def test_a_frozen_creators_key_stops_with_a_reason(world):
    _api_key, api, document = _bob_admin_key(world)
    world.bob.frozen_at = timezone.now()
    world.bob.is_active = False
    world.bob.save(update_fields=["frozen_at", "is_active"])
    before = _counts(world)

    for area, response in _all_areas(api, document).items():
        assert response.status_code == 401, area
        assert response.json()["type"] == "api_key_creator_frozen", area
        assert "frozen" in response.json()["detail"], area
    assert _counts(world) == before


def test_invited_back_the_creator_does_not_revive_an_old_key(world):
    _api_key, api, document = _bob_admin_key(world)
    membership = _bob_membership(world)
    membership.delete()
    Membership.objects.create(user=world.bob, company=world.alpha, role=Membership.Role.ADMIN)
    response = api.get("/api/v1/company/")
    assert response.status_code == 401
    assert response.json()["type"] == "api_key_creator_not_member"


def test_a_key_carries_no_scope_beyond_its_creators_role(world):
    with tenant_context(world.alpha):
        with pytest.raises(ApplicationError) as error:
            api_key_create(company=world.alpha, name="mine", scopes=["read", "admin"], acting_user=world.bob)
        assert error.value.code == "scope_beyond_role" and error.value.status == 403
        with pytest.raises(ApplicationError) as error:
            api_key_create(company=world.alpha, name="theirs", scopes=["read"], acting_user=world.charlie)
        assert error.value.code == "not_member"
        assert not ApiKey.objects.filter(company=world.alpha).exists()
        # A plain member's own key for documents is fine; administration is not.
        api_key_create(company=world.alpha, name="docs", scopes=["documents"], acting_user=world.bob)
