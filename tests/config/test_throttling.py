"""API budgets: a sliding window of one minute kept as two counters in Redis."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from config.api.throttling import SlidingWindowThrottle
from tests.conftest import client_on

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


class TenAMinute(SlidingWindowThrottle):
    rate = "10/min"

    def __init__(self, clock: Clock, ident: str):
        super().__init__()
        self.timer = clock
        self.ident = ident

    def get_cache_key(self, request, view):
        return f"throttle:test:{self.ident}"


def _answers(clock: Clock, ident: str, count: int) -> list[bool]:
    request = RequestFactory().get("/")
    return [TenAMinute(clock, ident).allow_request(request, None) for _ in range(count)]


def test_the_budget_slides_instead_of_resetting_at_the_minute():
    ident = uuid.uuid4().hex
    minute = 1_000_000 * 60  # the start of a window
    clock = Clock(minute + 50)
    assert _answers(clock, ident, 11) == [True] * 10 + [False]

    # Five seconds into the next minute, 55/60 of the last ten still count: one more fits.
    clock.now = minute + 65
    assert _answers(clock, ident, 3) == [True, False, False]

    # Near the end of that minute the old requests have almost faded; the new one still counts.
    clock.now = minute + 115
    assert _answers(clock, ident, 10) == [True] * 9 + [False]


def test_a_refused_caller_is_told_when_to_come_back_and_refusals_do_not_use_the_budget():
    ident = uuid.uuid4().hex
    minute = 1_000_001 * 60
    clock = Clock(minute + 30)
    request = RequestFactory().get("/")
    assert _answers(clock, ident, 10) == [True] * 10
    throttle = TenAMinute(clock, ident)
    assert throttle.allow_request(request, None) is False
    # The ten requests weigh 10·(1 − e) from the next minute on: below 10 right after it starts.
    assert throttle.wait() == 31
    assert _answers(clock, ident, 50) == [False] * 50
    clock.now = minute + 61
    assert _answers(clock, ident, 1) == [True]


def test_budgets_are_per_company_schema():
    from django.db import connection
    from django_tenants.utils import schema_context

    ident = uuid.uuid4().hex
    clock = Clock(1_000_002 * 60 + 1)
    assert connection.schema_name == "public"
    assert _answers(clock, ident, 11)[-1] is False
    with schema_context("tenant_template"):
        assert _answers(clock, ident, 1) == [True]


def test_verification_is_rationed_per_client_address(settings):
    settings.VERIFY_RATE_LIMIT = "2/min"
    client = client_on(None, REMOTE_ADDR=f"198.51.100.{uuid.uuid4().int % 250 + 1}")
    responses = [
        client.post("/api/v1/verify/", {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.7 nothing")}) for _ in range(3)
    ]
    assert [response.status_code for response in responses] == [200, 200, 429]
    assert responses[2].json()["type"] == "throttled" and int(responses[2]["Retry-After"]) >= 1
    # A made-up X-Forwarded-For is not a new client (no trusted proxy is configured).
    spoofed = client.post(
        "/api/v1/verify/", {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.7")}, HTTP_X_FORWARDED_FOR="192.0.2.55"
    )
    assert spoofed.status_code == 429
    other_address = client_on(None, REMOTE_ADDR="203.0.113.7")
    assert other_address.post("/api/v1/verify/", {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.7")}).status_code == 200
