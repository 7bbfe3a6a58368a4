"""Requests that once answered 500: a cursor that is not a position, deep JSON, oversized
bodies and form fields. Each is now a 4xx in the one error format, and nothing is stored."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest
from django.urls import URLResolver, get_resolver
from django_tenants.utils import tenant_context
from rest_framework.generics import ListAPIView

from accounts.models import User
from config.api.parsers import MAX_JSON_DEPTH, json_depth
from events.models import WebhookEndpoint
from tenants.models import ApiKey
from tenants.services import api_key_create
from tests.conftest import client_on

pytestmark = pytest.mark.django_db


def _list_paths() -> list[str]:
    """Every list operation of a company host that needs no object in its address."""
    (api,) = [p for p in get_resolver("config.urls_tenants").url_patterns if str(p.pattern) == "api/v1/"]
    assert isinstance(api, URLResolver)
    paths = []
    for pattern in api.url_patterns:
        view = getattr(pattern.callback, "view_class", None)
        if view is not None and issubclass(view, ListAPIView) and "<" not in str(pattern.pattern):
            paths.append(f"/api/v1/{pattern.pattern}")
    return paths


LIST_PATHS = _list_paths()


@pytest.fixture
def api(world):
    with tenant_context(world.alpha):
        _key, raw = api_key_create(
            company=world.alpha, name="k", scopes=list(ApiKey.Scope.values), acting_user=world.alice
        )
    return client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def _error(response, status: int, error_type: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"type", "title", "detail", "errors"}, body
    if error_type:
        assert body["type"] == error_type, body
    return body


def _cursor(query: str) -> str:
    """A cursor as DRF writes one: the position form-encoded, then base64."""
    name, _equals, value = query.partition("=")
    return base64.b64encode(urlencode({name: value}).encode()).decode()


def test_every_list_endpoint_is_covered():
    assert {"/api/v1/documents/", "/api/v1/envelopes/", "/api/v1/audit_events/", "/api/v1/seals/"} <= set(LIST_PATHS)


@pytest.mark.parametrize("path", LIST_PATHS)
@pytest.mark.parametrize(
    "cursor",
    [
        "cD1nYXJiYWdl",  # p=garbage: the 500 of the report
        _cursor("p=2020-01-01 00:00:00 00:00"),  # "+" unencoded: a space
        "!!not base64!!",
        _cursor("p=2020-01-01 00:00:00"),  # no time zone
        _cursor("p=9999-12-31 23:59:59-14:00"),  # beyond the largest time in UTC
        _cursor("p=2020-13-45 00:00:00+00:00"),
        _cursor("o=-3"),
    ],
)
def test_a_bad_cursor_is_a_400_with_a_reason(api, path, cursor):
    body = _error(api.get(path, {"cursor": cursor}), 400, "validation_error")
    assert list(body["errors"]) == ["cursor"]


@pytest.mark.parametrize("path", LIST_PATHS)
def test_a_cursor_the_list_gave_still_pages(api, path):
    first = api.get(path, {"page_size": 1})
    assert first.status_code == 200, first.content[:300]
    assert api.get(path, {"cursor": _cursor("p=2020-01-01 00:00:00+00:00")}).status_code == 200


@pytest.mark.parametrize("page_size", ["", "null", "abc", "-1", "0", "1e20", "201", "٣", " 5"])
def test_a_bad_page_size_is_refused(api, page_size):
    body = _error(api.get("/api/v1/api_keys/", {"page_size": page_size}), 400, "validation_error")
    assert list(body["errors"]) == ["page_size"]
    assert api.get("/api/v1/api_keys/", {"page_size": "200"}).status_code == 200


def test_json_depth_counts_structure_not_strings():
    assert json_depth(b'{"a": [1, {"b": []}]}') == 4
    assert json_depth(b'{"a": "[[[[{{{{", "b": "\\"[[[", "c": "\\\\"}') == 1
    assert json_depth(b"") == 0
    assert json_depth(b"[" * 5000) == 5000


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deep_nesting_is_refused_before_parsing(api, world, opening):
    closing = "]" if opening == "[" else "}"
    deep = opening * 1000 + "1" + closing * 1000
    body = _error(api.post("/api/v1/webhooks/", deep, content_type="application/json"), 400, "parse_error")
    assert str(MAX_JSON_DEPTH) in body["detail"]
    shallow = {"url": "https://example.com/hook", "events": ["seal.revoked"], "x": [[[1]]]}
    assert api.post("/api/v1/webhooks/", shallow, content_type="application/json").status_code == 400  # unknown x
    with tenant_context(world.alpha):
        assert not WebhookEndpoint.objects.exists()


def test_deep_nesting_to_the_anonymous_sign_in_is_refused():
    anonymous = client_on(None)
    deep = '{"email": ' + "[" * 1000 + "]" * 1000 + "}"
    _error(anonymous.post("/api/v1/auth/session/", deep, content_type="application/json"), 400, "parse_error")
    hidden = '{"email": "\\' + "[" * 100_000 + '"}'  # invalid escape hiding nothing: still refused or parsed
    assert anonymous.post("/api/v1/auth/session/", hidden, content_type="application/json").status_code == 400


def test_an_oversized_json_body_is_refused_before_it_is_parsed(settings, world):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    anonymous = client_on(None)
    huge = json.dumps({"email": "a@example.com", "password": "x" * 20_000})
    _error(anonymous.post("/api/v1/auth/session/", huge, content_type="application/json"), 413, "payload_too_large")
    assert not User.objects.filter(email="a@example.com").exists()


def test_oversized_form_fields_in_a_multipart_body_are_a_json_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = api.post("/api/v1/documents/", {"name": "x" * 20_000})
    _error(response, 413, "payload_too_large")


def test_too_many_form_fields_are_a_json_400(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    _error(api.post("/api/v1/documents/", {f"f{n}": "x" for n in range(20)}), 400, "parse_error")
