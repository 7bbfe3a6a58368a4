"""The pages people reach from their phones (sign by link, verify, recover, code entry)
at 360–414 px and on a laptop, in Chinese and English: nothing scrolls sideways, every
button, field and menu item is a tap target of at least 44 px, a menu item never breaks
one character per line, and axe-core finds no serious or critical violation. Screenshots
go to var/test-artifacts/."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from accounts.models import User
from tenants.models import Company
from tests.conftest import PASSWORD, worker_mail, worker_mail_clear
from tests.documents.pdfs import make_pdf
from tests.e2e.conftest import accessibility_violations, screenshot, wait_until
from tests.e2e.test_envelope_journey import draw_signature
from tests.workflows.conftest import committed_cleanup, signatory

pytestmark = pytest.mark.integration

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PHONE_WIDTHS = (360, 390, 414)
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
PUBLIC_PAGES = ["/", "/accounts/login/", "/accounts/register/", "/accounts/password/reset/", "/verify/"]

# Interactive elements that must be comfortable to tap, and how tall they are.
TAP_TARGETS = """() => [...document.querySelectorAll(
    'button, .button, select, textarea, .mainnav a, .usernav a,'
    + ' input:not([type=hidden]):not([type=radio]):not([type=checkbox])')]
  .filter(element => element.offsetParent !== null && !element.closest('.skip-link, noscript'))
  .map(element => ({
    what: element.outerHTML.slice(0, 90),
    height: element.getBoundingClientRect().height,
    nav: !!element.closest('.mainnav, .usernav'),
  }))"""


def layout_problems(page) -> list[str]:
    problems = []
    # On a phone the menu folds behind its button: opened, its items are measured too.
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
        if not page.locator(".mainnav").is_visible():
            problems.append("the menu button does not open the menu")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow}px")
    for target in page.evaluate(TAP_TARGETS):
        if target["height"] < 44:
            problems.append(f"tap target {target['height']:.0f}px: {target['what']}")
        if target["nav"] and target["height"] > 60:
            problems.append(f"menu item wraps ({target['height']:.0f}px): {target['what']}")
    return problems


@pytest.fixture
def person_link(django_db_blocker):
    """An envelope of alpha waiting for a person, and that person's sign link path;
    committed for the live server, removed afterwards."""
    from documents.services.versions import document_upload
    from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
    from workflows.envelopes.sending import envelope_send
    from workflows.links import party_link_token
    from workflows.models import Party

    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        try:
            a = signatory("alpha", "Alpha Ltd", 0, existing=alpha, user=alice)
            with tenant_context(alpha):
                document = document_upload(name="lease.pdf", data=make_pdf(2), acting_user=a.user)
                envelope = envelope_create(document=document, name="租赁合同 Lease", message="", acting_user=a.user)
                party = envelope_party_add(
                    envelope=envelope,
                    kind="person",
                    name="张三",
                    email="zhangsan@example.com",
                    order=1,
                    acting_user=a.user,
                )
                envelope_field_add(party=party, page=1, x=340, y=80, acting_user=a.user)
                envelope_send(envelope=envelope, owner=alpha, acting_user=a.user)
                token = party_link_token(Party.objects.get(pk=party.pk))
            yield f"/sign/{token}/"
        finally:
            committed_cleanup(alpha, [])


def _visit_everywhere(new_context, site, paths_for, name: str) -> dict:
    """Each page at every width and in both languages: the problems found, by page."""
    found = {}
    for language, locale in LOCALES.items():
        for width in (LAPTOP["width"], *PHONE_WIDTHS):
            viewport = LAPTOP if width == LAPTOP["width"] else {**PHONE, "width": width}
            context = new_context(locale=locale, viewport=viewport)
            page = context.new_page()
            for label, path in paths_for(page):
                response = page.goto(site.url(None, path)) if path else None
                assert response is None or response.status == 200, (path, response.status)
                expect(page.locator("html")).to_have_attribute("lang", language)
                where = f"{name} {label} {language} {width}px"
                problems = layout_problems(page) if width != LAPTOP["width"] else []
                if width in (LAPTOP["width"], PHONE["width"]):
                    problems += accessibility_violations(page)
                    screenshot(page, f"phone-pages-{name}-{label}-{language}-{width}")
                if problems:
                    found[where] = problems
            context.close()
    return found


def _listed(found: dict) -> str:
    return "\n".join(f"{where}: {problem}" for where, problems in found.items() for problem in problems)


def test_public_pages_fit_a_phone(live_db, site, new_context):
    found = _visit_everywhere(
        new_context,
        site,
        lambda page: [(path.strip("/").replace("/", "-") or "home", path) for path in PUBLIC_PAGES],
        "public",
    )
    assert found == {}, _listed(found)


def test_the_sign_page_and_the_code_boxes_fit_a_phone(live_db, site, new_context, person_link):
    def pages(page):
        yield "sign", person_link
        expect(page.locator("input#code.code-input")).to_be_visible()
        chinese = page.locator("html").get_attribute("lang") == "zh-hans"
        # The person's own place in the list of parties reads "your turn", not "their turn".
        expect(page.locator(".plain-list li", has_text="张三").locator(".badge")).to_have_text(
            "轮到您" if chinese else "Your turn"
        )
        # The second step of signing in is a code box too.
        page.goto(site.url(None, "/accounts/login/"))
        page.locator("input[name=username]").fill("alice@alpha.example")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url("**/accounts/login/verify/**")
        expect(page.locator("input[name=code].code-input")).to_be_visible()
        yield "login-verify", None

    found = _visit_everywhere(new_context, site, pages, "person")
    assert found == {}, _listed(found)


COMPANY_PAGES = ["/", "/seals/apply/", "/documents/", "/seals/", "/envelopes/", "/accounts/security/"]


def test_company_pages_and_the_guided_start_fit_a_phone(live_db, site, new_context):
    """Signed in on a company host (alpha, not yet approved): the guided start on the home
    page, the seal application that waits for the review, and the lists."""
    found = {}
    for language, locale in LOCALES.items():
        for viewport in (LAPTOP, PHONE):
            page = new_context(locale=locale, viewport=viewport).new_page()
            page.goto(site.url("alpha", "/accounts/login/"))
            page.locator("input[name=username]").fill("alice@alpha.example")
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(lambda url: "/accounts/login" not in url)
            for path in COMPANY_PAGES:
                response = page.goto(site.url("alpha", path))
                assert response is not None and response.status == 200, (path, response and response.status)
                if path == "/":
                    expect(page.locator(".guided-start .step-waiting")).to_have_count(1)
                where = f"alpha {path} {language} {viewport['width']}px"
                problems = accessibility_violations(page)
                if viewport is PHONE:
                    problems += layout_problems(page)
                if path in ("/", "/seals/apply/"):
                    name = path.strip("/").replace("/", "-") or "home"
                    screenshot(page, f"phone-pages-company-{name}-{language}-{viewport['width']}")
                if problems:
                    found[where] = problems
    assert found == {}, _listed(found)


def test_the_signing_form_with_its_pad_fits_a_phone(live_db, site, new_context, person_link, celery_worker_process):
    """Past the emailed code: the pages, the handwriting pad, the consent and the buttons fit
    every phone width in both languages, pass axe-core, and the pad draws under a finger.
    The code is proved once; every window then opens the page with that browser session."""
    worker_mail_clear()
    first = new_context()
    page = first.new_page()
    page.goto(site.url(None, person_link))
    page.locator("form[action$='/code/'] button").click()
    mails = wait_until(lambda: worker_mail("zhangsan@example.com"), "the code", 60)
    page.locator("input#code").fill(re.search(r"\b(\d{6})\b", mails[-1]).group(1))
    page.locator("form[action$='/verify/'] button").click()
    expect(page.locator("#signature-canvas")).to_be_visible()
    session = first.storage_state()
    found = {}
    for language, locale in LOCALES.items():
        for width in (LAPTOP["width"], *PHONE_WIDTHS):
            viewport = LAPTOP if width == LAPTOP["width"] else {**PHONE, "width": width}
            context = new_context(
                locale=locale, viewport=viewport, has_touch=width != LAPTOP["width"], storage_state=session
            )
            page = context.new_page()
            page.goto(site.url(None, person_link))
            expect(page.locator("html")).to_have_attribute("lang", language)
            expect(page.locator("#mode-draw")).to_be_checked()
            problems = layout_problems(page) if width != LAPTOP["width"] else []
            if width in (LAPTOP["width"], PHONE["width"]):
                problems += accessibility_violations(page)
            draw_signature(page)
            if page.evaluate("() => document.getElementById('signature-canvas').toDataURL().length") < 3000:
                problems.append("the pad did not draw")
            screenshot(page, f"phone-pages-signing-form-{language}-{width}")
            if problems:
                found[f"signing form {language} {width}px"] = problems
            context.close()
    assert found == {}, _listed(found)


@pytest.fixture
def draft_review_path(django_db_blocker):
    """A draft envelope of alpha with a company and a person placed; committed for the live
    server, removed afterwards."""
    from documents.services.versions import document_upload
    from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add

    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        try:
            with tenant_context(alpha):
                document = document_upload(name="lease.pdf", data=make_pdf(3), acting_user=alice)
                envelope = envelope_create(
                    document=document, name="租赁合同 Lease", reminder_interval_days=2, acting_user=alice
                )
                person = envelope_party_add(
                    envelope=envelope,
                    kind="person",
                    name="张三",
                    email="zhangsan@example.com",
                    order=1,
                    acting_user=alice,
                )
                envelope_field_add(party=person, page=2, x=340, y=80, acting_user=alice)
                approver = envelope_party_add(
                    envelope=envelope,
                    kind="approver",
                    name="李四",
                    email="lisi@example.com",
                    order=2,
                    acting_user=alice,
                )
                assert approver.pk
            yield f"/envelopes/{envelope.pk}/review/"
        finally:
            committed_cleanup(alpha, [])


def test_the_review_before_sending_fits_a_phone(live_db, site, new_context, draft_review_path):
    found = {}
    for language, locale in LOCALES.items():
        for viewport in (LAPTOP, PHONE):
            page = new_context(locale=locale, viewport=viewport).new_page()
            page.goto(site.url("alpha", "/accounts/login/"))
            page.locator("input[name=username]").fill("alice@alpha.example")
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(lambda url: "/accounts/login" not in url)
            response = page.goto(site.url("alpha", draft_review_path))
            assert response is not None and response.status == 200
            expect(page.locator(".review-parties > li")).to_have_count(2)
            expect(page.locator(".review-parties > li").first).to_contain_text(
                "第 3 页: 签名" if language == "zh-hans" else "Page 3: Signature"
            )
            problems = accessibility_violations(page)
            if viewport is PHONE:
                problems += layout_problems(page)
            screenshot(page, f"phone-pages-envelope-review-{language}-{viewport['width']}")
            if problems:
                found[f"review {language} {viewport['width']}px"] = problems
    assert found == {}, _listed(found)
