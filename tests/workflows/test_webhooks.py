"""Webhooks: registering endpoints, signed deliveries, retries, rotation, the pages and
the API (without a worker; test_webhooks_worker.py posts for real)."""

from __future__ import annotations

import json
import time

import pytest
from django.test import override_settings
from django_tenants.utils import tenant_context

from config.errors import ApplicationError
from events import webhooks
from events.models import WebhookDelivery, WebhookEndpoint
from tenants.services import api_key_create
from tests.conftest import client_on

pytestmark = pytest.mark.django_db


def test_a_signature_verifies_only_with_the_secret_the_body_and_a_fresh_time():
    body = b'{"type":"ping"}'
    now = int(time.time())
    header = webhooks.webhook_signature_header(["whsec_a"], now, body)
    assert webhooks.webhook_signature_verify("whsec_a", header, body)
    assert not webhooks.webhook_signature_verify("whsec_b", header, body)
    assert not webhooks.webhook_signature_verify("whsec_a", header, body + b" ")
    assert not webhooks.webhook_signature_verify("whsec_a", header, body, now=now + 301)  # replayed later
    both = webhooks.webhook_signature_header(["whsec_new", "whsec_old"], now, body)
    assert webhooks.webhook_signature_verify("whsec_old", both, body)
    assert webhooks.webhook_signature_verify("whsec_new", both, body)


def test_retries_back_off_exponentially_and_stop_within_a_day(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    delays = [webhooks.retry_delay(attempt) for attempt in range(1, 12)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == 3600
    total, attempts = 0.0, 0
    while total <= 24 * 3600:
        attempts += 1
        total += webhooks.retry_delay(attempts)
    assert 25 <= attempts <= 40  # about thirty tries in the window


@override_settings(WEBHOOK_ALLOW_PRIVATE_HOSTS=False)
def test_addresses_on_the_platforms_own_network_are_refused(world):
    with tenant_context(world.alpha):
        for url, code in [
            ("http://example.com/hook", "url_not_https"),
            ("https://127.0.0.1/hook", "url_not_public"),
            ("https://10.1.2.3/hook", "url_not_public"),
            ("https://[::1]/hook", "url_not_public"),
            ("ftp://example.com/hook", "url_invalid"),
        ]:
            with pytest.raises(ApplicationError) as error:
                webhooks.webhook_endpoint_create(url=url, events=["envelope.completed"], acting_user=world.alice)
            assert error.value.code == code, url
        assert not WebhookEndpoint.objects.exists()


def test_events_reach_only_endpoints_that_listen(world, django_capture_on_commit_callbacks):
    with tenant_context(world.alpha):
        listening, _secret = webhooks.webhook_endpoint_create(
            url="http://127.0.0.1:9/a", events=["envelope.completed"], acting_user=world.alice
        )
        webhooks.webhook_endpoint_create(url="http://127.0.0.1:9/b", events=["seal.revoked"], acting_user=world.alice)
        with django_capture_on_commit_callbacks() as queued:
            assert webhooks.webhook_event_emit(event_type="envelope.completed", data={"envelope_id": "x"}) == 1
        (delivery,) = WebhookDelivery.objects.all()
        assert delivery.endpoint == listening and len(queued) == 1
        assert delivery.payload["type"] == "envelope.completed"
        assert delivery.payload["company"]["slug"] == "alpha"
        assert delivery.payload["data"] == {"envelope_id": "x"}
    with tenant_context(world.beta):  # another company's endpoints never see alpha's events
        assert not WebhookDelivery.objects.exists()


def test_a_failed_attempt_is_logged_and_scheduled_again(world):
    with tenant_context(world.alpha):
        endpoint, _secret = webhooks.webhook_endpoint_create(
            url="http://127.0.0.1:9/closed-port", events=["envelope.completed"], acting_user=world.alice
        )
        delivery = webhooks.webhook_test_send(endpoint=endpoint)
        outcome = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert outcome.status == "retrying" and outcome.retry_in > 0
        assert delivery.attempts == 1 and delivery.response_code is None and "ConnectionError" in delivery.error
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            created_at=delivery.created_at - webhooks.RETRY_WINDOW
        )  # a day has passed
        assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk).status == "failed"
        assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk).status == "failed"  # no more tries
        delivery.refresh_from_db()
        assert delivery.attempts == 2


def _admin_api(company, user, scopes=("admin",)):
    with tenant_context(company):
        _key, raw = api_key_create(company=company, name="hooks", scopes=list(scopes), acting_user=user)
    return client_on(company, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def test_the_api_registers_rotates_and_isolates_endpoints(world):
    api = _admin_api(world.alpha, world.alice)
    body = json.dumps({"url": "http://127.0.0.1:9/hook", "events": ["envelope.completed", "seal.revoked"]})
    created = api.post("/api/v1/webhooks/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="hook-1")
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    again = api.post("/api/v1/webhooks/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="hook-1")
    # Not a second endpoint, and not the secret again: it is shown once.
    assert again.status_code == 409 and again.json()["type"] == "idempotency_secret_not_replayed"
    assert created.json()["secret"] not in again.content.decode()
    endpoint_id = created.json()["id"]
    assert "secret" not in api.get(f"/api/v1/webhooks/{endpoint_id}/").json()
    rotated = api.post(f"/api/v1/webhooks/{endpoint_id}/rotate_secret/")
    assert rotated.status_code == 200 and rotated.json()["secret"] != created.json()["secret"]
    bad = api.post(
        "/api/v1/webhooks/",
        json.dumps({"url": "http://x.example/h", "events": ["nope"]}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "events" in bad.json()["errors"]
    documents_only = _admin_api(world.alpha, world.alice, scopes=("documents",))
    assert documents_only.post("/api/v1/webhooks/", body, content_type="application/json").status_code == 403
    stranger = _admin_api(world.beta, world.charlie)
    assert stranger.get(f"/api/v1/webhooks/{endpoint_id}/").status_code == 404
    assert stranger.post(f"/api/v1/webhooks/{endpoint_id}/test/").status_code == 404
    with tenant_context(world.alpha):
        assert WebhookEndpoint.objects.count() == 1 and not WebhookDelivery.objects.exists()


def test_the_settings_page_is_for_administrators(world):
    admin = client_on(world.alpha, world.alice)
    created = admin.post("/settings/webhooks/", {"url": "http://127.0.0.1:9/hook", "events": ["envelope.sent"]})
    assert created.status_code == 200 and "whsec_" in created.content.decode()
    with tenant_context(world.alpha):
        endpoint = WebhookEndpoint.objects.get()
    test = admin.post(f"/settings/webhooks/{endpoint.pk}/test/")
    assert test.status_code == 302
    page = admin.get(f"/settings/webhooks/{endpoint.pk}/")
    assert "ping" in page.content.decode()
    member = client_on(world.alpha, world.bob)
    assert member.get("/settings/webhooks/").status_code == 403
    assert member.post(f"/settings/webhooks/{endpoint.pk}/delete/").status_code == 403
    assert member.get("/audit/").status_code == 403
    with tenant_context(world.alpha):
        assert WebhookEndpoint.objects.count() == 1
