"""Malformed requests get a 4xx in the one error format, never a 500, and change nothing."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import tenant_context

from events.models import WebhookEndpoint
from tenants.models import ApiKey
from tenants.services import api_key_create
from tests.conftest import client_on
from workflows.models import Envelope

pytestmark = pytest.mark.django_db
CREATING = ["/api/v1/envelopes/", "/api/v1/webhooks/", "/api/v1/api_keys/", "/api/v1/seal_use_requests/"]


@pytest.fixture
def api(world):
    with tenant_context(world.alpha):
        _key, raw = api_key_create(
            company=world.alpha, name="k", scopes=list(ApiKey.Scope.values), acting_user=world.alice
        )
    return client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def _is_error(response, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"type", "title", "detail", "errors"}, body


@pytest.mark.parametrize("url", CREATING)
def test_wrong_content_type_invalid_json_and_unknown_fields(api, url):
    _is_error(api.post(url, "name=x", content_type="text/plain"), 415)
    _is_error(api.post(url, "{not json", content_type="application/json"), 400)
    _is_error(api.post(url, json.dumps({"colour": "red"}), content_type="application/json"), 400)
    _is_error(api.post(url, json.dumps([1, 2]), content_type="application/json"), 400)


def test_an_oversized_body_is_refused(api, settings, world):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    huge = json.dumps({"url": "https://example.com/" + "a" * 20_000, "events": ["seal.revoked"]})
    response = api.post("/api/v1/webhooks/", huge, content_type="application/json")
    assert response.status_code in (400, 413)
    _is_error(response, response.status_code)
    with tenant_context(world.alpha):
        assert not WebhookEndpoint.objects.exists()


def test_a_key_without_the_scope_is_refused(world):
    with tenant_context(world.alpha):
        _key, raw = api_key_create(company=world.alpha, name="r", scopes=["read"], acting_user=world.alice)
    reader = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    _is_error(
        reader.post("/api/v1/envelopes/", json.dumps({"document_id": "0" * 32}), content_type="application/json"), 403
    )
    assert reader.get("/api/v1/envelopes/").status_code == 200  # every scope can read
    with tenant_context(world.alpha):
        assert not Envelope.objects.exists()
