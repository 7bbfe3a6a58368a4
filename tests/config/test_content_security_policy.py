"""Content-Security-Policy on every response: scripts only from our own static files, no
inline script, no inline event handler, no inline style, no plugins, no framing, no <base>,
forms only to our hosts. Injected markup that slipped past escaping could not run."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context

from documents.models import Document
from tests.conftest import BASE_DIR, client_on, verified_client_on
from tests.documents.pdfs import make_pdf

pytestmark = pytest.mark.django_db

REQUIRED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}

# Markup that would run or style without a file of ours: `<script>` with a body (JSON data
# blocks excepted), on* handler attributes, javascript: URLs, style attributes and blocks.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=[\"']application/json[\"'])[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"javascript:", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)


def _policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (item.strip() for item in header.split(";"))):
        name, _, value = part.partition(" ")
        directives[name] = value
    return directives


def _assert_strict(response, url):
    policy = _policy(response)
    for name, value in REQUIRED.items():
        assert policy.get(name) == value, (url, name, policy)
    assert policy.get("style-src") == "'self'", url
    assert policy.get("form-action", "").startswith("'self'"), url
    assert "unsafe" not in response.headers["Content-Security-Policy"], url


def _assert_no_inline_code(body: str, url: str):
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JAVASCRIPT_URL, STYLE_ATTRIBUTE, STYLE_BLOCK):
        found = pattern.search(body)
        assert found is None, f"{url}: {body[max(0, found.start() - 80) : found.end() + 80]}"


def _document(world):
    client = client_on(world.alpha, world.alice)
    data = SimpleUploadedFile("contract.pdf", make_pdf(2), content_type="application/pdf")
    assert client.post("/documents/", {"file": data}).status_code == 302
    with tenant_context(world.alpha):
        return Document.objects.get()


def test_every_page_carries_the_policy_and_no_inline_code(world):
    from accounts.models import User

    reviewer = User.objects.create_user("reviewer@sealhub.example", "Reviewer-Pass-2026", is_staff=True)
    document = _document(world)
    anonymous, alice_platform = client_on(None), client_on(None, world.alice)
    alice = client_on(world.alpha, world.alice)
    pages = [
        (anonymous, "/"),
        (anonymous, "/accounts/login/"),
        (anonymous, "/accounts/register/"),
        (anonymous, "/accounts/password/reset/"),
        (anonymous, "/accounts/recover/"),
        (anonymous, "/accounts/appeals/new/"),
        (anonymous, "/verify/"),
        (anonymous, "/sign/not-a-token/"),
        (anonymous, "/invitations/not-a-token/"),
        (anonymous, "/no-such-page/"),
        (alice_platform, "/"),
        (alice_platform, "/accounts/security/"),
        (alice_platform, "/companies/new/"),
        (verified_client_on(None, reviewer), "/admin/"),
        (verified_client_on(None, reviewer), "/admin/login/"),
        (alice, "/"),
        (alice, "/documents/"),
        (alice, f"/documents/{document.pk}/"),
        (alice, "/seals/"),
        (alice, "/seals/apply/"),
        (alice, "/approvals/"),
        (alice, "/envelopes/"),
        (alice, "/envelopes/inbox/"),
        (alice, "/members/"),
        (alice, "/audit/"),
        (alice, "/settings/api-keys/"),
        (alice, "/settings/webhooks/"),
        (alice, "/accounts/login/"),
        (client_on(world.alpha), "/accounts/login/"),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code in (200, 302, 404), (url, response.status_code)
        _assert_strict(response, url)
        if response.status_code != 302 and response["Content-Type"].startswith("text/html"):
            _assert_no_inline_code(response.content.decode(), url)


def test_api_answers_static_files_and_unknown_hosts_carry_the_policy(world):
    responses = {
        "api": client_on(world.alpha, world.alice).get("/api/v1/documents/"),
        "api error": client_on(world.alpha).get("/api/v1/documents/"),
        "static": client_on(None).get("/static/sealhub/app.css"),
        "health": client_on(None).get("/healthz"),
        "unknown host": Client(HTTP_HOST=f"nobody.{settings.BASE_DOMAIN}").get("/"),
    }
    for name, response in responses.items():
        _assert_strict(response, name)


def test_the_api_docs_run_from_our_own_files_without_inline_script(world):
    for client in (client_on(None), client_on(world.alpha)):
        response = client.get("/api/v1/docs/")
        assert response.status_code == 200
        policy = _policy(response)
        for name, value in REQUIRED.items():
            assert policy.get(name) == value, (name, policy)
        assert "unsafe" not in policy["script-src"]
        body = response.content.decode()
        assert INLINE_SCRIPT.search(body) is None and EVENT_HANDLER.search(body) is None
        # The page's start-up script is one of ours, served from the same address.
        script = re.search(r'<script src="([^"]*\?script[^"]*)"', body).group(1).replace("&amp;", "&")
        started = client.get(script)
        assert started.status_code == 200 and "SwaggerUIBundle" in started.content.decode()


def test_templates_hold_no_inline_script_handler_or_style():
    offenders = []
    for path in sorted((BASE_DIR / "templates").rglob("*.html")):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JAVASCRIPT_URL, STYLE_ATTRIBUTE, STYLE_BLOCK):
            for found in pattern.finditer(text):
                line = text.count("\n", 0, found.start()) + 1
                offenders.append(f"{path.relative_to(BASE_DIR)}:{line}: {found.group(0)[:60]}")
    assert offenders == []


def test_a_pdf_shown_in_the_browser_may_use_the_built_in_viewer():
    from django.http import HttpResponse
    from django.test import RequestFactory

    from config.content_security import ContentSecurityPolicyMiddleware

    middleware = ContentSecurityPolicyMiddleware(
        lambda request: HttpResponse(b"%PDF-1.7", content_type="application/pdf")
    )
    policy = _policy(middleware(RequestFactory().get("/")))
    assert policy["object-src"] == "'self'" and policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
