"""The main pages pass axe-core with no serious or critical violation, signed out on the
platform host and signed in on a company host."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import accessibility_violations, screenshot, sign_in

pytestmark = pytest.mark.integration

PLATFORM_PAGES = ["/", "/accounts/login/", "/accounts/register/", "/accounts/password/reset/", "/verify/"]
COMPANY_PAGES = [
    "/",
    "/documents/",
    "/seals/",
    "/envelopes/",
    "/envelopes/inbox/",
    "/approvals/",
    "/members/",
    "/audit/",
    "/settings/api-keys/",
    "/accounts/security/",
]


def test_main_pages_have_no_serious_accessibility_violations(live_db, site, new_context):
    page = new_context().new_page()
    found = {}
    for path in PLATFORM_PAGES:
        response = page.goto(site.url(None, path))
        assert response is not None and response.status == 200, (path, response and response.status)
        found[f"platform {path}"] = accessibility_violations(page)
    sign_in(page, site, "alpha", "alice@alpha.example", PASSWORD, second_factor=False)
    for path in COMPANY_PAGES:
        response = page.goto(site.url("alpha", path))
        assert response is not None and response.status == 200, (path, response and response.status)
        found[f"alpha {path}"] = accessibility_violations(page)
    screenshot(page, "accessibility-security-page")
    assert {where: problems for where, problems in found.items() if problems} == {}


def test_the_api_docs_render_under_the_content_security_policy(live_db, site, new_context):
    """Swagger UI comes from local files and starts from a script file of ours: it renders
    with the docs page's policy (the fixture fails the test on any reported violation)."""
    page = new_context().new_page()
    for slug in (None, "alpha"):
        page.goto(site.url(slug, "/api/v1/docs/"))
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Sealhub API")
        expect(page.locator(".opblock").first).to_be_visible()
