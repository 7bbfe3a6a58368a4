"""What the OpenAPI schema says is what the server does: errors in one documented shape for
every operation, refused query values and body types, unknown fields refused and named in
moderation, PATCH bodies marked as required as the server requires them."""

from __future__ import annotations

import io
import json

import pytest
from django.conf import settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django_tenants.utils import tenant_context

from events.models import WebhookEndpoint
from tenants.models import ApiKey
from tenants.services import api_key_create
from tests.conftest import client_on, host_of

pytestmark = pytest.mark.django_db
ERROR_STATUSES = {"400", "401", "403", "404", "409", "413", "415", "422", "429"}


@pytest.fixture
def api(world):
    with tenant_context(world.alpha):
        _key, raw = api_key_create(
            company=world.alpha, name="k", scopes=list(ApiKey.Scope.values), acting_user=world.alice
        )
    return client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def _schema(host: str) -> dict:
    return client_on(None, HTTP_HOST=host).get("/api/v1/schema/?format=json").json()


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


@pytest.mark.parametrize("platform", [False, True])
def test_every_operation_documents_its_errors_in_one_shape(world, platform):
    schema = _schema(settings.BASE_DOMAIN if platform else host_of(world.alpha))
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"type", "title", "detail", "errors"}
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        errors = {code for code in responses if code in ERROR_STATUSES}
        assert {"400", "401", "403"} <= errors, (method, path)
        if "{" in path:
            assert "404" in errors, (method, path)
        if method in {"POST", "PATCH", "PUT", "DELETE"}:
            assert {"409", "413", "415", "422"} <= errors, (method, path)
        for code in errors:
            (content,) = responses[code]["content"].values()
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (method, path, code)


def test_bodies_that_refuse_unknown_fields_say_so_and_patch_marks_what_is_required(world):
    schemas = _schema(host_of(world.alpha))["components"]["schemas"]
    assert schemas["ApiKeyCreateInputRequest"]["additionalProperties"] is False
    assert not [name for name in schemas if name.startswith("Patched")]
    assert set(schemas["PlacementUpdateRequest"]["required"]) == {"x", "y", "width"}
    assert schemas["PartyEmailInputRequest"]["required"] == ["email"]


def test_keyword_placement_is_documented_as_a_list(world):
    schema = _schema(host_of(world.alpha))
    created = schema["paths"]["/api/v1/documents/{document_id}/placements/"]["post"]["responses"]["201"]
    one_of = created["content"]["application/json"]["schema"]["oneOf"]
    assert {"type": "array", "items": {"$ref": "#/components/schemas/PlacementOutput"}} in one_of


def test_nested_validation_errors_are_json_not_python_repr(api):
    body = {"document_id": "0" * 32, "parties": [{"kind": "person", "name": 7, "fields": [{"page": "x"}]}]}
    response = api.post("/api/v1/envelopes/", body, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "ErrorDetail" not in response.content.decode()
    assert isinstance(errors["parties"], list) and isinstance(errors["parties"][0], dict), errors


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": 0, "scopes": ["read"]}, "name"),
        ({"name": "x", "scopes": [1]}, "scopes"),
        ({"name": "x", "scopes": "read"}, "scopes"),
        ({"name": True, "scopes": ["read"]}, "name"),
        ({"name": "x", "scopes": ["read"], "expires_at": 1700000000}, "expires_at"),
    ],
)
def test_wrong_types_in_a_body_are_refused_not_converted(api, world, body, field):
    response = api.post("/api/v1/api_keys/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()["errors"]
    with tenant_context(world.alpha):
        assert ApiKey.objects.count() == 1  # the fixture's


def test_wrong_types_in_nested_input_are_refused(api):
    body = {"document_id": "0" * 32, "parties": [{"kind": "person", "name": "P", "email": "p@example.com"}]}
    body["parties"][0]["fields"] = [{"page": "0", "x": 1, "y": 1}]
    response = api.post("/api/v1/envelopes/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["parties"][0]["fields"][0]["page"]


def test_an_empty_form_value_is_refused_not_taken_as_absent(api, world):
    hook = {"url": "https://example.com/hook", "events": ["seal.revoked"]}
    created = api.post("/api/v1/webhooks/", hook, content_type="application/json").json()
    endpoint = f"/api/v1/webhooks/{created['id']}/"
    response = api.patch(endpoint, encode_multipart(BOUNDARY, {"url": ""}), content_type=MULTIPART_CONTENT)
    assert response.status_code == 400 and list(response.json()["errors"]) == ["url"]
    with tenant_context(world.alpha):
        assert WebhookEndpoint.objects.get().url == "https://example.com/hook"


def test_unknown_fields_are_named_in_moderation(api):
    body = {"name": "x", "scopes": ["read"], **{f"field_{n:06d}_" + "z" * 500: 1 for n in range(3000)}}
    response = api.post("/api/v1/api_keys/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert len(errors) == 11 and all(len(name) <= 100 for name in errors)
    assert "2990" in errors["non_field_errors"][0]
    assert len(response.content) < 5_000


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/envelopes/?status=nope",
        "/api/v1/envelopes/?status=",
        "/api/v1/seal_use_requests/?status=nope",
        "/api/v1/inbox/?page_size=abc",
    ],
)
def test_bad_query_values_are_refused(api, path):
    response = api.get(path)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["type"] == "validation_error"


def test_bad_query_values_on_an_object_are_refused(api, world):
    created = api.post(
        "/api/v1/webhooks/",
        {"url": "https://example.com/hook", "events": ["seal.revoked"]},
        content_type="application/json",
    ).json()
    assert api.get(f"/api/v1/webhooks/{created['id']}/deliveries/?status=bogus").status_code == 400
    assert api.get(f"/api/v1/webhooks/{created['id']}/deliveries/?status=pending").status_code == 200


@pytest.mark.parametrize("appearances", ["0", "yes", "True", ""])
def test_a_form_boolean_is_spelled_true_or_false(appearances):
    anonymous = client_on(None)
    response = anonymous.post("/api/v1/verify/", {"file": io.BytesIO(b"%PDF-1.4"), "appearances": appearances})
    assert response.status_code == 400, response.content[:300]
    assert list(response.json()["errors"]) == ["appearances"]
