"""A NUL character in an address's query (`?q=a%00b`) reached PostgreSQL, which refuses
it in any text, and the page or API answered 500. Such a request is refused with 400 and a
reason before any view runs, on every page and API call."""

from __future__ import annotations

import pytest

from accounts.models import SecurityEvent
from tests.conftest import client_on

pytestmark = pytest.mark.django_db

# Each of these answered 500 on a live server.
WEB_PAGES = ["/documents/?q=a%00b"]
API_CALLS = [
    "/api/v1/documents/?search=a%00b",
    "/api/v1/envelopes/?status=a%00b",
    "/api/v1/audit_events/?action=a%00b",
    "/api/v1/seal_use_requests/?status=a%00b",
    "/api/v1/documents/?a%00=1",
]


@pytest.mark.parametrize("path", WEB_PAGES)
def test_a_page_refuses_a_nul_in_its_query_with_a_reason(world, path):
    response = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en").get(path)

    assert response.status_code == 400
    assert "cannot contain a NUL character" in response.content.decode()


@pytest.mark.parametrize("path", API_CALLS)
def test_an_api_call_refuses_a_nul_in_its_query_with_a_reason(world, path):
    before = SecurityEvent.objects.count()

    response = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en").get(path)

    assert response.status_code == 400
    assert response.json()["type"] == "null_character"
    assert "cannot contain a NUL character" in response.json()["detail"]
    assert SecurityEvent.objects.count() == before


def test_the_reason_is_in_the_users_language(world):
    response = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/api/v1/envelopes/?status=%00")

    assert response.status_code == 400
    assert "空字符" in response.json()["detail"]


def test_the_platform_host_refuses_it_too(world):
    response = client_on(None, HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/?next=%00")

    assert response.status_code == 400
