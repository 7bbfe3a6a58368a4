"""Audit rows, lockout records and evidence name the client: behind NUM_PROXIES trusted
proxies the address the outermost one saw, never an X-Forwarded-For entry the client wrote."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from accounts.models import SecurityEvent
from config.client import client_address
from tests.conftest import client_on


def _request(forwarded: str | None, remote: str = "10.0.0.9"):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.9"),  # no proxy: the header is the client's own words
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # a spoofed first entry is passed over
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (3, "203.0.113.7", "203.0.113.7"),  # fewer entries than proxies: the first
        (1, None, "10.0.0.9"),
    ],
)
def test_the_client_address_follows_the_trusted_proxies(settings, proxies, forwarded, expected):
    settings.NUM_PROXIES = proxies
    assert client_address(_request(forwarded)) == expected


def test_a_failed_sign_in_behind_a_proxy_records_the_clients_address(world, settings):
    settings.NUM_PROXIES = 1
    browser = client_on(None, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    browser.post(
        "/api/v1/auth/session/", {"email": "alice@alpha.example", "password": "wrong"}, content_type="application/json"
    )
    assert SecurityEvent.objects.filter(user=world.alice).latest("occurred_at").ip_address == "203.0.113.7"
