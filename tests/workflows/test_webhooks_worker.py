"""Webhooks on a real worker: a receiver on loopback answers 500 twice, then 200; the
worker retries with backoff and every request carries a valid signature."""

from __future__ import annotations

import json
import time

import pytest
from django_tenants.utils import tenant_context

from accounts.models import User
from events import webhooks
from events.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from tenants.models import ApiKey, Company, IdempotencyRecord
from tenants.services import api_key_create
from tests.conftest import client_on

pytestmark = pytest.mark.integration


@pytest.fixture
def committed_alpha(django_db_blocker, celery_worker_process):
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        try:
            yield alpha, alice
        finally:
            with tenant_context(alpha):
                WebhookDelivery.objects.all().delete()
                WebhookEndpoint.objects.all().delete()
                AuditEvent.objects.exclude(action="company.created").delete()
            IdempotencyRecord.objects.all().delete()
            ApiKey.objects.all().delete()


def _wait(check, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return result


def test_deliveries_are_signed_and_retried_until_the_receiver_accepts(committed_alpha, webhook_receiver):
    alpha, alice = committed_alpha
    webhook_receiver.statuses = [500, 503]
    with tenant_context(alpha):
        _key, raw = api_key_create(company=alpha, name="hooks", scopes=["admin"], acting_user=alice)
    api = client_on(alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    created = api.post(
        "/api/v1/webhooks/",
        json.dumps({"url": webhook_receiver.url, "events": ["seal.revoked"]}),
        content_type="application/json",
    ).json()
    ping = api.post(f"/api/v1/webhooks/{created['id']}/test/")
    assert ping.status_code == 202

    _wait(lambda: len(webhook_receiver.requests) >= 3, "three attempts")
    for headers, body in webhook_receiver.requests:
        assert webhooks.webhook_signature_verify(created["secret"], headers["Sealhub-Signature"], body)
        assert json.loads(body)["type"] == "ping" and headers["Sealhub-Delivery"] == ping.json()["id"]
    log = _wait(
        lambda: (d := api.get(f"/api/v1/webhooks/{created['id']}/deliveries/").json()["results"][0])["status"]
        == "delivered"
        and d,
        "the log to show the delivery",
    )
    assert log["attempts"] == 3 and log["response_code"] == 200

    # After a rotation both secrets sign for a day; the receiver can switch at leisure.
    rotated = api.post(f"/api/v1/webhooks/{created['id']}/rotate_secret/").json()
    api.post(f"/api/v1/webhooks/{created['id']}/test/")
    _wait(lambda: len(webhook_receiver.requests) >= 4, "the delivery after rotation")
    headers, body = webhook_receiver.requests[3]
    assert webhooks.webhook_signature_verify(rotated["secret"], headers["Sealhub-Signature"], body)
    assert webhooks.webhook_signature_verify(created["secret"], headers["Sealhub-Signature"], body)

    # Re-sending from the log posts the same event again (same event id).
    first_event = json.loads(webhook_receiver.requests[0][1])["id"]
    resent = api.post(f"/api/v1/webhooks/{created['id']}/deliveries/{log['id']}/resend/")
    assert resent.status_code == 202
    _wait(lambda: len(webhook_receiver.requests) >= 5, "the re-sent delivery")
    assert json.loads(webhook_receiver.requests[4][1])["id"] == first_event
