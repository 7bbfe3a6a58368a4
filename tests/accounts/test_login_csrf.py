"""Login CSRF: another site must not be able to sign a visitor's browser in (to an account
of the attacker's choosing) through the platform's session endpoint. Browsers say where a
request comes from (Origin, Referer, Sec-Fetch-Site); API clients without cookies send none
of these and keep working."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from tests.conftest import PASSWORD, client_on

pytestmark = pytest.mark.django_db

SESSION_URL = "/api/v1/auth/session/"


def _sign_in(client, **headers):
    body = {"email": "alice@alpha.example", "password": PASSWORD}
    return client.post(SESSION_URL, json.dumps(body), content_type="application/json", **headers)


def _assert_refused(response, client):
    assert response.status_code == 403
    body = response.json()
    assert body["type"] == "cross_site_request"
    assert body["detail"] == "This request came from another site. Sign in on Sealhub's own pages."
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://attacker.example"},
        {"HTTP_ORIGIN": "null"},  # sandboxed frames and some redirects
        {"HTTP_ORIGIN": "http://sealhub.test.attacker.example"},
        {"HTTP_REFERER": "https://attacker.example/login-for-you.html"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        # A company host is another origin: it has no business signing in on the platform.
        {"HTTP_ORIGIN": "http://alpha.sealhub.test"},
    ],
    ids=["origin", "null-origin", "lookalike-origin", "referer", "fetch-metadata", "company-host"],
)
def test_a_cross_site_sign_in_is_refused_and_sets_no_session(world, headers):
    client = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    response = _sign_in(client, **headers)
    _assert_refused(response, client)


def test_a_cross_site_sign_out_is_refused(world):
    client = client_on(None, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    response = client.delete(SESSION_URL, HTTP_ORIGIN="https://attacker.example")
    assert response.status_code == 403 and response.json()["type"] == "cross_site_request"
    assert str(client.session["_auth_user_id"]) == str(world.alice.pk)


def test_the_refusal_is_in_chinese_by_default(world):
    response = _sign_in(client_on(None), HTTP_ORIGIN="https://attacker.example")
    assert response.status_code == 403
    assert response.json()["detail"] == "此请求来自其他网站。请在 Sealhub 自己的页面上登录。"


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, scripts, server-to-server clients
        {"HTTP_ORIGIN": "http://sealhub.test", "HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_REFERER": "http://sealhub.test/api/v1/docs/"},
    ],
    ids=["api-client", "same-origin", "same-origin-referer"],
)
def test_same_origin_and_api_clients_sign_in(world, headers):
    client = client_on(None)
    response = _sign_in(client, **headers)
    assert response.status_code == 200 and response.json()["email"] == "alice@alpha.example"
    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert str(client.session["_auth_user_id"]) == str(world.alice.pk)


def test_an_origin_listed_as_trusted_may_sign_in(world, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.partner.example"]
    response = _sign_in(client_on(None), HTTP_ORIGIN="https://app.partner.example")
    assert response.status_code == 200
