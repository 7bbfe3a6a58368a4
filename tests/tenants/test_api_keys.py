from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from config.api.throttling import PrincipalRateThrottle
from events.models import AuditEvent
from tenants.models import ApiKey, IdempotencyRecord
from tenants.selectors import api_key_hash
from tenants.services import api_key_create
from tests.conftest import client_on

pytestmark = pytest.mark.django_db


def _key(world, scopes, **kwargs):
    with tenant_context(world.alpha):
        return api_key_create(company=world.alpha, name="ERP", scopes=scopes, acting_user=world.alice, **kwargs)


def test_admin_creates_key_in_the_page_and_sees_it_once(world):
    client = client_on(world.alpha, world.alice)
    response = client.post("/settings/api-keys/", {"name": "ERP", "scopes": ["read", "documents"]})
    assert response.status_code == 200
    raw_key = response.context["new_key"]
    assert raw_key.startswith("shk_")
    assert raw_key in response.content.decode()
    api_key = ApiKey.objects.get(company=world.alpha)
    assert api_key.key_hash == api_key_hash(raw_key)
    assert raw_key not in api_key.key_hash
    assert api_key.scopes == ["documents", "read"]
    # The list page afterwards never shows the key again.
    assert raw_key not in client.get("/settings/api-keys/").content.decode()
    with tenant_context(world.alpha):
        assert AuditEvent.objects.get(action="api_key.created").actor_user_id == world.alice.pk


def test_page_shows_form_errors_and_creates_nothing(world):
    response = client_on(world.alpha, world.alice).post("/settings/api-keys/", {"name": "", "scopes": ["bogus"]})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"name", "scopes"}
    assert ApiKey.objects.filter(company=world.alpha).count() == 0


def test_plain_member_may_not_manage_keys(world):
    client = client_on(world.alpha, world.bob)
    assert client.get("/settings/api-keys/").status_code == 403
    response = client.post("/api/v1/api_keys/", {"name": "x", "scopes": ["read"]}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["type"] == "role_forbids"
    assert ApiKey.objects.filter(company=world.alpha).count() == 0


def test_api_create_returns_key_once_and_it_authenticates(world):
    client = client_on(world.alpha, world.alice)
    response = client.post("/api/v1/api_keys/", {"name": "ERP", "scopes": ["read"]}, content_type="application/json")
    assert response.status_code == 201
    raw_key = response.json()["key"]
    listing = client.get("/api/v1/api_keys/").json()["results"]
    assert [row["prefix"] for row in listing] == [response.json()["prefix"]]
    assert "key" not in listing[0]
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert api.get("/api/v1/company/").json()["name"] == "Alpha Ltd"
    assert ApiKey.objects.get(company=world.alpha).last_used_at is not None


def test_scope_is_enforced(world):
    _api_key, raw_key = _key(world, ["read"])
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    response = api.post("/api/v1/api_keys/", {"name": "escalate", "scopes": ["admin"]}, content_type="application/json")
    assert response.status_code == 403
    assert ApiKey.objects.filter(company=world.alpha).count() == 1


def test_revoked_and_expired_keys_are_refused(world):
    revoked, revoked_raw = _key(world, ["read"])
    client_on(world.alpha, world.alice).post(f"/api/v1/api_keys/{revoked.pk}/revoke/")
    expiring, expiring_raw = _key(world, ["read"], expires_at=timezone.now() + timedelta(hours=1))
    ApiKey.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for raw_key in (revoked_raw, expiring_raw, "shk_deadbeef_nope", "not-even-a-key"):
        response = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw_key}").get("/api/v1/company/")
        assert response.status_code == 401, raw_key
        assert response.json()["type"] == "authentication_failed"


def test_missing_credentials_get_401_in_error_format(world):
    response = client_on(world.alpha).get("/api/v1/company/")
    assert response.status_code == 401
    assert response.json()["type"] == "not_authenticated"


def test_idempotency_key_does_not_replay_the_secret(world):
    """The plaintext key is shown once: a retry is told the key exists, not given it again."""
    client = client_on(world.alpha, world.alice)
    body = {"name": "ERP", "scopes": ["read"]}
    first = client.post("/api/v1/api_keys/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc-1")
    second = client.post("/api/v1/api_keys/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 201 and second.status_code == 409
    assert second.json()["type"] == "idempotency_secret_not_replayed"
    assert first.json()["id"] in second.json()["detail"]
    assert first.json()["key"] not in second.content.decode()
    assert second["Idempotent-Replayed"] == "true"
    assert ApiKey.objects.filter(company=world.alpha).count() == 1


def test_idempotency_key_reused_with_other_body_is_422(world):
    client = client_on(world.alpha, world.alice)
    client.post(
        "/api/v1/api_keys/",
        {"name": "A", "scopes": ["read"]},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    response = client.post(
        "/api/v1/api_keys/",
        {"name": "B", "scopes": ["read"]},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code == 422
    assert response.json()["type"] == "idempotency_key_reused"
    assert ApiKey.objects.filter(company=world.alpha).count() == 1


def test_idempotency_key_expires_after_a_day(world):
    client = client_on(world.alpha, world.alice)
    body = {"name": "ERP", "scopes": ["read"]}
    client.post("/api/v1/api_keys/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    response = client.post("/api/v1/api_keys/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="old")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert ApiKey.objects.filter(company=world.alpha).count() == 2


def test_failed_request_frees_the_idempotency_key(world):
    client = client_on(world.alpha, world.alice)
    bad = client.post("/api/v1/api_keys/", {"name": "ERP"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k2")
    assert bad.status_code == 400
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status", "error_type"),
    [
        ('{"name": "x", ', "application/json", 400, "parse_error"),
        ("name=x", "text/plain", 415, "unsupported_media_type"),
        ('{"name": "x", "scopes": ["read"], "colour": "red"}', "application/json", 400, "validation_error"),
        ('{"name": "x", "scopes": []}', "application/json", 400, "validation_error"),
        ('["not", "an", "object"]', "application/json", 400, "validation_error"),
    ],
)
def test_bad_input_gets_4xx_in_error_format(world, body, content_type, status, error_type):
    response = client_on(world.alpha, world.alice).post("/api/v1/api_keys/", body, content_type=content_type)
    assert response.status_code == status
    payload = response.json()
    assert payload["type"] == error_type
    assert set(payload) == {"type", "title", "detail", "errors"}
    assert ApiKey.objects.filter(company=world.alpha).count() == 0


def test_unknown_field_is_named_in_errors(world):
    response = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/api_keys/", {"name": "x", "scopes": ["read"], "colour": "red"}, content_type="application/json"
    )
    assert response.json()["errors"] == {"colour": ["Unknown field."]}


def test_list_query_count_is_fixed(world, django_assert_num_queries):
    for _ in range(3):
        _key(world, ["read"])
    client = client_on(world.alpha, world.alice)
    client.get("/api/v1/api_keys/")  # warm caches (content types, session)
    # search_path public, domain+company, search_path tenant, session, user, membership, keys
    with django_assert_num_queries(7):
        response = client.get("/api/v1/api_keys/")
    assert len(response.json()["results"]) == 3


def test_rate_limit_answers_429_with_retry_after(world, monkeypatch):
    monkeypatch.setattr(PrincipalRateThrottle, "THROTTLE_RATES", {"principal": "2/min"})
    _api_key, raw_key = _key(world, ["read"])
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    statuses = [api.get("/api/v1/company/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = api.get("/api/v1/company/")
    assert response.json()["type"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_a_key_made_through_a_key_does_not_outlive_it(world):
    # A key that expires in an hour could make a key that never expires, keeping access
    # after the expiry its owner chose.
    expires_at = timezone.now() + timedelta(hours=1)
    _api_key, raw_key = _key(world, ["admin"], expires_at=expires_at)
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw_key}", HTTP_ACCEPT_LANGUAGE="en")

    unbounded = api.post("/api/v1/api_keys/", {"name": "child", "scopes": ["read"]}, content_type="application/json")
    later = api.post(
        "/api/v1/api_keys/",
        {"name": "later", "scopes": ["read"], "expires_at": (expires_at + timedelta(days=1)).isoformat()},
        content_type="application/json",
    )

    assert unbounded.status_code == 201
    assert ApiKey.objects.get(name="child").expires_at == expires_at
    assert later.status_code == 400
    assert later.json()["type"] == "expiry_beyond_key"
    assert "cannot outlive" in later.json()["detail"]
    assert not ApiKey.objects.filter(name="later").exists()


def test_revoking_a_key_revokes_the_keys_made_through_it(world):
    # A leaked admin key could otherwise make a spare key that outlives its revocation.
    _parent, parent_raw = _key(world, ["admin"])
    parent_api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {parent_raw}")
    child = parent_api.post(
        "/api/v1/api_keys/", {"name": "spare", "scopes": ["admin"]}, content_type="application/json"
    )
    child_api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {child.json()['key']}")
    grandchild = child_api.post(
        "/api/v1/api_keys/", {"name": "spare2", "scopes": ["read"]}, content_type="application/json"
    )
    grandchild_api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {grandchild.json()['key']}")
    by_person, by_person_raw = _key(world, ["read"])
    assert grandchild_api.get("/api/v1/documents/").status_code == 200

    owner = client_on(world.alpha, world.alice)
    assert owner.post(f"/api/v1/api_keys/{_parent.pk}/revoke/").status_code == 200

    for api in (parent_api, child_api, grandchild_api):
        assert api.get("/api/v1/documents/").status_code == 401
    assert (
        client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {by_person_raw}").get("/api/v1/documents/").status_code
        == 200
    )
    with tenant_context(world.alpha):
        revoked = AuditEvent.objects.get(action="api_key.revoked")
    assert sorted(revoked.data["keys_made_through_it"]) == sorted(
        ApiKey.objects.filter(name__in=["spare", "spare2"]).values_list("prefix", flat=True)
    )


def test_a_key_made_by_a_person_may_be_unlimited(world):
    response = client_on(world.alpha, world.alice).post(
        "/api/v1/api_keys/", {"name": "ERP", "scopes": ["read"]}, content_type="application/json"
    )

    assert response.status_code == 201
    assert ApiKey.objects.get(name="ERP").expires_at is None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/api_keys/", {"name": "escalate", "scopes": ["admin"]}),
        ("get", "/api/v1/audit_events/", None),
        ("post", "/api/v1/envelopes/", {"document_id": "00000000-0000-0000-0000-000000000000"}),
    ],
)
def test_a_scope_refusal_names_the_missing_scope_and_is_audited(world, method, path, body):
    _api_key, raw_key = _key(world, ["documents"])
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw_key}", HTTP_ACCEPT_LANGUAGE="en")

    response = getattr(api, method)(path, body, content_type="application/json") if body else api.get(path)

    assert response.status_code == 403
    assert response.json()["type"] == "scope_forbids"
    assert "scopes do not allow this" in response.json()["detail"]
    with tenant_context(world.alpha):
        refused = AuditEvent.objects.get(action="api_key.scope_refused")
        assert refused.data["path"] == path
        assert ApiKey.objects.count() == 1


def test_idempotency_key_works_for_a_browser_session_with_its_csrf_check(world):
    """A session's CSRF check makes DRF parse the body before the view runs; fingerprinting
    the raw body then answered 500 to every POST with an Idempotency-Key from a browser."""
    from django.test import Client

    from tests.conftest import host_of

    host = host_of(world.alpha)
    client = Client(enforce_csrf_checks=True, HTTP_HOST=host)
    client.force_login(world.alice)
    client.get("/")
    headers = {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value, "HTTP_REFERER": f"http://{host}/"}
    body = {"name": "ERP", "scopes": ["read"]}

    def post(data, key):
        return client.post(
            "/api/v1/api_keys/", data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **headers
        )

    first, second = post(body, "browser-1"), post(body, "browser-1")
    assert (first.status_code, second.status_code) == (201, 409)
    assert second["Idempotent-Replayed"] == "true"
    assert post({"name": "Other", "scopes": ["read"]}, "browser-1").status_code == 422
    assert ApiKey.objects.filter(company=world.alpha).count() == 1
