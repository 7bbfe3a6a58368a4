"""A NUL character in a request's parameters: PostgreSQL refuses it in any text it is
given, so a filter or a stored value built from such a parameter answered 500. Every
request carrying one is refused up front, in the user's language, before any view runs."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.conftest import client_on

COMPANY_LISTS = [
    ("/api/v1/documents/", "search"),
    ("/api/v1/envelopes/", "status"),
    ("/api/v1/audit_events/", "action"),
    ("/api/v1/seal_use_requests/", "status"),
    ("/documents/", "q"),
    ("/envelopes/", "q"),
    ("/audit/", "action"),
]


@pytest.mark.parametrize(("path", "parameter"), COMPANY_LISTS)
def test_a_nul_character_in_a_filter_is_refused_with_a_reason(world, path, parameter):
    client = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.get(path, {parameter: "ok"}).status_code == 200
    response = client.get(path, {parameter: "a\x00b"})
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json()["type"] == "null_character"
        assert "空字符" in response.json()["detail"]
    else:
        assert "空字符" in response.content.decode()


def test_a_nul_character_in_a_posted_form_writes_nothing(world):
    from accounts.models import SecurityEvent

    before = SecurityEvent.objects.count()
    client = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/password/reset/",
        urlencode({"contact": "alice@alpha.example\x00"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    assert SecurityEvent.objects.count() == before
