"""Webhooks: companies register endpoints, events become signed deliveries that a worker
posts and retries with exponential backoff for 24 hours.

Signature header (like Stripe's): `Sealhub-Signature: t=<unix time>,v1=<hex>` where hex is
HMAC-SHA256(secret, f"{t}.{body}"). During a day after a rotation a second v1 with the
previous secret is added. Receivers should also reject a t older than five minutes."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_tenants.utils import tenant_context

from accounts.authority import Action, authority_check_for, current_company, role_may
from config.celery import on_commit_enqueue
from config.crypto import decrypt, encrypt
from config.errors import ApplicationError
from config.row_locks import lock_row, lock_rows
from events.models import WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint
from events.services import audit_event_record
from tenants.selectors import membership_in_force

SIGNING_KEY_PURPOSE = "webhook-signing"
SIGNATURE_HEADER = "Sealhub-Signature"
RETRY_WINDOW = timedelta(hours=24)
PREVIOUS_SECRET_GRACE = timedelta(hours=24)
TIMEOUT_SECONDS = 10
MAX_ENDPOINTS = 20
TEST_EVENT = "ping"
ENDPOINT_AUTHORITY_LOST = _lazy(
    "Not sent: the administrator this endpoint runs on may no longer administer the company. "
    "An administrator can resume the endpoint."
)


# --- pure parts ---------------------------------------------------------------------


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_signature_header(secrets_: list[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={webhook_signature(s, timestamp, body)}" for s in secrets_)])


def webhook_signature_verify(secret: str, header: str, body: bytes, *, tolerance: int = 300, now=None) -> bool:
    """What a receiver does (documented in the README; used by the tests' receiver)."""
    parts = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value for key, value in parts if key == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        return False
    timestamp = int(timestamps[0])
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = webhook_signature(secret, timestamp, body)
    return any(key == "v1" and hmac.compare_digest(value, expected) for key, value in parts)


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed tries: 30 s, 1, 2, 4 … min,
    capped at an hour (about 30 tries in the 24-hour window)."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    return min(base * 2 ** max(attempts - 1, 0), 3600.0)


# --- endpoints ----------------------------------------------------------------------


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _seal(secret: str, endpoint_id) -> bytes:
    return encrypt(secret.encode(), purpose=SIGNING_KEY_PURPOSE, associated_data=str(endpoint_id).encode())


def _open(token: bytes, endpoint_id) -> str:
    return decrypt(bytes(token), purpose=SIGNING_KEY_PURPOSE, associated_data=str(endpoint_id).encode()).decode()


def _host_is_public(host: str) -> bool:
    """Deliveries must not reach the platform's own network (SSRF)."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            return False
    return bool(addresses)


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ApplicationError(_("Enter an http or https address."), "url_invalid", field="url")
    if parts.scheme == "http" and not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        raise ApplicationError(_("Webhook addresses must use https."), "url_not_https", field="url")
    if not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS and not _host_is_public(parts.hostname):
        raise ApplicationError(
            _("This address is not reachable on the public internet."), "url_not_public", field="url"
        )
    return url


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if not events or unknown:
        raise ApplicationError(_("Choose at least one event."), "events_invalid", field="events")
    return sorted(set(events))


def _person_of(acting_user):
    """Whose authority an action runs on: the person, or for an API key its creator (the
    key's principal carries the creator's current membership)."""
    membership = getattr(acting_user, "membership", None)
    return membership.user if membership is not None else acting_user


def webhook_endpoint_authoriser_in_force(endpoint: WebhookEndpoint) -> bool:
    """Whether the administrator the endpoint runs on may still administer the company.
    Endpoints older than this record (no authoriser known) keep their earlier behaviour."""
    if endpoint.authorised_by_id is None:
        return True
    membership = membership_in_force(
        user_id=endpoint.authorised_by_id, company=current_company(), since=endpoint.authorised_at
    )
    return membership is not None and role_may(membership.role, Action.WEBHOOK_MANAGE)


@transaction.atomic
def webhook_endpoints_pause_for(*, user, role: str | None) -> list[WebhookEndpoint]:
    """A member lost authority (`role` None: no longer a member): endpoints they vouched for
    and may no longer manage are paused until an administrator resumes them. Runs in the
    company's schema (tenants.hooks, on a role change or removal)."""
    if role is not None and role_may(role, Action.WEBHOOK_MANAGE):
        return []
    paused = list(WebhookEndpoint.objects.filter(authorised_by_id=user.pk, active=True))
    WebhookEndpoint.objects.filter(pk__in=[endpoint.pk for endpoint in paused]).update(active=False)
    return paused


def webhook_endpoint_create(
    *, url: str, events: list[str], description: str = "", acting_user
) -> tuple[WebhookEndpoint, str]:
    """Returns the endpoint and its signing secret (shown once)."""
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.WEBHOOK_MANAGE)
    if WebhookEndpoint.objects.count() >= MAX_ENDPOINTS:
        raise ApplicationError(_("A company can have at most 20 webhook endpoints."), "too_many_endpoints")
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        url=_check_url(url),
        events=_check_events(events),
        description=description.strip()[:200],
        created_by_label=str(acting_user)[:200],
        authorised_by_id=_person_of(acting_user).pk,
        authorised_at=timezone.now(),
    )
    secret = _new_secret()
    endpoint.secret_encrypted = _seal(secret, endpoint.id)
    endpoint.save()
    audit_event_record(
        acting_user=acting_user,
        action="webhook.created",
        target=endpoint,
        data={"url": endpoint.url, "events": endpoint.events},
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, acting_user, url=None, events=None, description=None, active=None
) -> WebhookEndpoint:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.WEBHOOK_MANAGE)
    if url is not None:
        endpoint.url = _check_url(url)
    if events is not None:
        endpoint.events = _check_events(events)
    if description is not None:
        endpoint.description = description.strip()[:200]
    if active is not None:
        endpoint.active = active
    # An administrator who changes or resumes an endpoint vouches for it from now on.
    endpoint.authorised_by_id = _person_of(acting_user).pk
    endpoint.authorised_at = timezone.now()
    endpoint.save()
    audit_event_record(
        acting_user=acting_user,
        action="webhook.updated",
        target=endpoint,
        data={"url": endpoint.url, "events": endpoint.events, "active": endpoint.active},
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, acting_user) -> None:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.WEBHOOK_MANAGE)
    audit_event_record(acting_user=acting_user, action="webhook.deleted", target=endpoint, data={"url": endpoint.url})
    endpoint.delete()


@transaction.atomic
def webhook_secret_rotate(*, endpoint: WebhookEndpoint, acting_user) -> str:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.WEBHOOK_MANAGE)
    endpoint = lock_row(WebhookEndpoint, pk=endpoint.pk)
    secret = _new_secret()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_until = timezone.now() + PREVIOUS_SECRET_GRACE
    endpoint.secret_encrypted = _seal(secret, endpoint.pk)
    endpoint.save(update_fields=["secret_encrypted", "previous_secret_encrypted", "previous_secret_until"])
    audit_event_record(
        acting_user=acting_user, action="webhook.secret_rotated", target=endpoint, data={"url": endpoint.url}
    )
    return secret


# --- events and deliveries ----------------------------------------------------------


def _queue(delivery: WebhookDelivery) -> None:
    from events.tasks import webhook_deliver  # the task module imports this one

    on_commit_enqueue(webhook_deliver, str(delivery.pk))


def _payload(event_type: str, event_id, data: dict) -> dict:
    company = getattr(connection, "tenant", None)
    return {
        "id": str(event_id),
        "type": event_type,
        "created_at": timezone.now().isoformat(),
        "company": {"id": str(getattr(company, "pk", "")), "slug": getattr(company, "slug", "")},
        "data": data,
    }


def webhook_event_emit(*, event_type: str, data: dict) -> int:
    """One delivery per active endpoint of the current company that listens for
    `event_type`, queued when the caller's transaction commits."""
    if event_type not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event_type}")
    endpoints = list(WebhookEndpoint.objects.filter(active=True, events__contains=[event_type]))
    if not endpoints:
        return 0
    event_id = uuid.uuid4()
    payload = json.loads(json.dumps(_payload(event_type, event_id, data), cls=DjangoJSONEncoder))
    for endpoint in endpoints:
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event_id=event_id, event_type=event_type, payload=payload
        )
        _queue(delivery)
    return len(endpoints)


def webhook_event_emit_in_company(company, *, event_type: str, data: dict) -> int:
    """For platform-side code (seal reviews live in the public schema)."""
    with tenant_context(company):
        return webhook_event_emit(event_type=event_type, data=data)


@transaction.atomic
def webhook_test_send(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    event_id = uuid.uuid4()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=event_id,
        event_type=TEST_EVENT,
        payload=json.loads(json.dumps(_payload(TEST_EVENT, event_id, {"message": "Hello from Sealhub"}))),
    )
    _queue(delivery)
    return delivery


@transaction.atomic
def webhook_delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """A new delivery of the same event (same event id, so receivers can deduplicate)."""
    copy = WebhookDelivery.objects.create(
        endpoint=delivery.endpoint,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        payload=delivery.payload,
        resent_from=delivery,
    )
    _queue(copy)
    return copy


@dataclass(frozen=True)
class AttemptOutcome:
    status: str
    retry_in: float | None = None


def webhook_delivery_attempt(*, delivery_id) -> AttemptOutcome:
    """One POST. Runs in the worker, in the company's schema; the row is locked so a
    duplicate task does not post twice at once."""
    with transaction.atomic():
        delivery = lock_rows(WebhookDelivery, related=("endpoint",), skip_locked=True).filter(pk=delivery_id).first()
        if delivery is None or delivery.status in (WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED):
            return AttemptOutcome(delivery.status if delivery else "missing")
        endpoint = delivery.endpoint
        if not webhook_endpoint_authoriser_in_force(endpoint):
            # Checked at each try: a delivery never goes out on authority its author lost.
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
            delivery.error = str(ENDPOINT_AUTHORITY_LOST)
            delivery.save(update_fields=["status", "next_attempt_at", "error"])
            return AttemptOutcome(delivery.status)
        body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
        signing = [_open(endpoint.secret_encrypted, endpoint.pk)]
        if (
            endpoint.previous_secret_encrypted
            and endpoint.previous_secret_until
            and (endpoint.previous_secret_until > timezone.now())
        ):
            signing.append(_open(endpoint.previous_secret_encrypted, endpoint.pk))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Sealhub-Webhooks/1",
            SIGNATURE_HEADER: webhook_signature_header(signing, int(time.time()), body),
            "Sealhub-Event": delivery.event_type,
            "Sealhub-Delivery": str(delivery.pk),
        }
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        started = time.monotonic()
        code, excerpt, error = None, "", ""
        try:
            host = urlsplit(endpoint.url).hostname or ""
            if not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS and not _host_is_public(host):
                raise OSError("address is not public")
            response = requests.post(
                endpoint.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
            )
            code, excerpt = response.status_code, response.text[:500]
        except (requests.RequestException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        delivery.duration_ms = int((time.monotonic() - started) * 1000)
        delivery.response_code, delivery.response_excerpt, delivery.error = code, excerpt, error
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                WebhookDelivery.Status.DELIVERED,
                timezone.now(),
                None,
            )
            outcome = AttemptOutcome(delivery.status)
        else:
            delay = retry_delay(delivery.attempts)
            next_at = timezone.now() + timedelta(seconds=delay)
            if next_at > delivery.created_at + RETRY_WINDOW:
                delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
                outcome = AttemptOutcome(delivery.status)
            else:
                delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.RETRYING, next_at
                outcome = AttemptOutcome(delivery.status, retry_in=delay)
        delivery.save()
        return outcome


def webhook_deliveries_due(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Beat safety net: queue deliveries whose retry is due but whose task was lost
    (worker restarted, broker flushed). A delivery is locked while being sent."""
    stale = timezone.now() - older_than
    due = WebhookDelivery.objects.filter(
        Q(status=WebhookDelivery.Status.PENDING, created_at__lt=stale)
        | Q(status=WebhookDelivery.Status.RETRYING, next_attempt_at__lt=stale)
    )
    count = 0
    for delivery in due:
        _queue(delivery)
        count += 1
    return count
