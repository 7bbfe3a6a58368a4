"""The core multi-party journey in the browser: company A (alpha) sends a contract to
company B (Bravo, seal), person C (张三, signature) and company D (Delta, seal), with A
itself certifying first. Every party acts in its own browser context from its own place:
A and the companies from their company hosts (inbox, seal password, authenticator code),
C on the platform host by the link and the one-time code the worker mails. A ends with
a completed envelope whose final PDF carries four valid signatures."""

from __future__ import annotations

import re

import pytest
from django.db import connections
from playwright.sync_api import expect

from accounts.models import User
from tenants.models import Company
from tests.conftest import PASSWORD, totp_now, worker_mail, worker_mail_clear
from tests.documents.pdfs import make_pdf
from tests.e2e.conftest import Surface, off_the_loop, sign_in, wait_for_image, wait_until
from tests.workflows.conftest import SEAL_PASSWORD, committed_cleanup, signatory
from tests.workflows.test_envelopes import assert_four_signatures_then_timestamp

pytestmark = pytest.mark.integration

ENVELOPE = "Supply contract"
PERSON_EMAIL = "zhangsan@example.com"


@pytest.fixture(scope="module")
def partner_companies(django_db_setup, django_db_blocker):
    """Bravo and Delta with their owners, made once for the four runs of the journey (a
    company is a schema: making one is the slow part); what each run adds is removed after it."""
    from tenants.services import company_create
    from tests.workflows.conftest import uscc_for

    with django_db_blocker.unblock():
        made = []
        try:
            for serial, (slug, name) in enumerate([("bravo", "Bravo Trading Co"), ("delta", "Delta Works")], start=1):
                owner = User.objects.create_user(f"owner@{slug}.example", PASSWORD, full_name=f"{name} owner")
                made.append(company_create(name=name, slug=slug, uscc=uscc_for(serial), owner=owner, acting_user=owner))
            yield made
        finally:
            alpha = Company.objects.get(slug="alpha")
            committed_cleanup(alpha, made)
            connections.close_all()  # this one is Playwright's loop's (see tests/e2e/conftest.py)


@pytest.fixture
def cast(django_db_blocker, celery_worker_process, partner_companies):
    """A (alpha, Alice), B (Bravo) and D (Delta): approved, each with an authenticator and
    an active seal; committed for the live server and the worker, removed afterwards."""
    bravo, delta = partner_companies
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        try:
            a = signatory("alpha", "Alpha Ltd", 0, existing=alpha, user=alice)
            b = signatory(
                "bravo", "Bravo Trading Co", 1, existing=bravo, user=User.objects.get(email="owner@bravo.example")
            )
            d = signatory("delta", "Delta Works", 2, existing=delta, user=User.objects.get(email="owner@delta.example"))
            yield a, b, d
        finally:
            for company in (bravo, delta):
                committed_cleanup(company, [])
            committed_cleanup(alpha, [])


def _add_party(page, surface: Surface, *, kind: str, email: str, uscc: str = "", name: str = "") -> None:
    t = surface.t
    form = page.locator("#party-form")
    form.get_by_label(t("Role")).select_option(kind)
    if uscc:
        form.get_by_label(t("Unified social credit code")).fill(uscc)
    if name:
        form.get_by_label(t("Name"), exact=True).fill(name)
    form.get_by_label(t("Email"), exact=True).fill(email)
    count = page.locator(".envelope-parties > li").count()
    surface.press(form.get_by_role("button", name=t("Add party")))
    expect(page.locator(".envelope-parties > li")).to_have_count(count + 1)


def _place_field(page, surface: Surface, party_label: str, u: float, v: float) -> None:
    """Choose the party and click (tap) on page 1 at (u, v) of its width and height."""
    count = page.locator(".placed.envelope-field").count()
    page.locator("#field-party").select_option(label=party_label)
    image = page.locator('.page[data-page="0"] img')
    wait_for_image(page.locator('.page[data-page="0"] img').first)
    box = image.bounding_box()
    assert box is not None
    surface.press(image, position={"x": box["width"] * u, "y": box["height"] * v})
    expect(page.locator(".placed.envelope-field")).to_have_count(count + 1)  # drawn after the reload
    expect(page.locator("#field-error")).to_be_hidden()


def _open_inbox_entry(page, site, surface: Surface, slug: str) -> None:
    """The company's inbox, reloaded until the envelope reaches it, then the entry."""
    page.goto(site.url(slug, "/envelopes/inbox/"))

    def arrived():
        if page.get_by_role("link", name=ENVELOPE).count():
            return True
        page.reload()
        return False

    wait_until(arrived, f"the envelope in {slug}'s inbox", seconds=60)
    surface.press(page.get_by_role("link", name=ENVELOPE))
    expect(page.get_by_role("heading", level=1)).to_contain_text(ENVELOPE)


def _seal_from_inbox(page, site, surface: Surface, signer, *, last: bool = False) -> None:
    t = surface.t
    _open_inbox_entry(page, site, surface, signer.company.slug)
    expect(page.locator(".envelope-field.mine")).to_have_count(1)
    page.get_by_label(t("Seal password")).fill(SEAL_PASSWORD)
    page.get_by_label(t("One-time code")).fill(totp_now(signer.device, 1))
    surface.press(page.get_by_role("button", name=t("Seal the document")))
    # The page follows the worker's job, then reloads without it.
    part = page.locator("dt", has_text=t("Your part")).locator("xpath=following-sibling::dd[1]")
    if last:  # the last seal completes the envelope: its entry may close before the reload
        ended = page.get_by_role("heading", name=t("This envelope is not open to your company"))
        expect(part.filter(has_text=t("Done")).or_(ended)).to_be_visible(timeout=90_000)
    else:
        expect(part).to_have_text(t("Done"), timeout=90_000)
    expect(page).not_to_have_url(re.compile(r"\?job="))
    expect(page.get_by_role("button", name=t("Seal the document"))).to_have_count(0)


def draw_signature(page, surface: Surface | None = None) -> None:
    """A zigzag on the signature pad: with a finger on a phone surface, else with the mouse
    (pointer events either way)."""
    canvas = page.locator("#signature-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    points = [(box["x"] + box["width"] * u, box["y"] + box["height"] * v) for u, v in ZIGZAG]
    if surface is not None:
        surface.stroke(page, points)
        return
    page.mouse.move(*points[0])
    page.mouse.down()
    for step, point in enumerate(points[1:]):
        page.mouse.move(*point, steps=5 + step)
    page.mouse.up()


ZIGZAG = [(0.1, 0.7), (0.3, 0.2), (0.5, 0.8), (0.7, 0.2), (0.9, 0.6)]


INK_UNDER = """(args) => {
  const [image, field] = args;
  const canvas = document.createElement("canvas");
  canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const scale = image.naturalWidth / image.getBoundingClientRect().width;
  const box = field.getBoundingClientRect(), at = image.getBoundingClientRect();
  const data = context.getImageData((box.left - at.left) * scale, (box.top - at.top) * scale,
                                    box.width * scale, box.height * scale).data;
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i + 2] > data[i] + 40 && data[i + 2] < 200) ink++;
  return ink;
}"""


def ink_under(page, field) -> int:
    """Blue ink pixels in the page image under a field's box."""
    image = page.locator('.page[data-page="0"] img').element_handle()
    return page.evaluate(INK_UNDER, [image, field.element_handle()])


def _mail_matching(address: str, pattern: str, after: int = 0) -> re.Match:
    """The first message to `address`, from the `after`-th on, matching `pattern`."""

    def found():
        for text in worker_mail(address)[after:]:
            if match := re.search(pattern, text):
                return match
        return None

    return wait_until(found, f"mail to {address} matching {pattern}")


def test_three_companies_and_a_person_complete_an_envelope(cast, site, new_context, tmp_path, surface, page_checks):
    a, b, d = cast
    t = surface.t
    worker_mail_clear()

    # A prepares the envelope: upload, send for signing, four parties, a field each.
    owner = new_context().new_page()
    sign_in(owner, site, "alpha", a.user.email, PASSWORD, surface=surface)
    owner.goto(site.url("alpha", "/documents/"))
    owner.locator("input[name=file]").set_input_files(
        files=[{"name": "supply-contract.pdf", "mimeType": "application/pdf", "buffer": make_pdf(2)}]
    )
    surface.press(owner.get_by_role("button", name=t("Upload")))
    expect(owner.get_by_role("heading", level=1)).to_have_text("supply-contract.pdf")
    surface.press(owner.get_by_role("link", name=t("Send for signing")))
    expect(owner.get_by_role("heading", level=1)).to_have_text(t("Send for signing"))
    owner.get_by_label(t("Name"), exact=True).fill(ENVELOPE)
    owner.get_by_label(t("Message to the parties")).fill("Please seal or sign.")
    surface.press(owner.get_by_role("button", name=t("Create the draft")))
    expect(owner.get_by_text(t("Draft created. Add the parties and place their fields."))).to_be_visible()
    envelope_url = owner.url

    _add_party(owner, surface, kind="company", uscc=a.company.uscc, email=a.user.email)
    _add_party(owner, surface, kind="company", uscc=b.company.uscc, email=b.user.email)
    _add_party(owner, surface, kind="person", name="张三", email=PERSON_EMAIL)
    _add_party(owner, surface, kind="company", uscc=d.company.uscc, email=d.user.email)
    expect(owner.locator(".envelope-parties > li")).to_have_text(
        [
            re.compile(r"1\. Alpha Ltd"),
            re.compile(r"2\. Bravo Trading Co"),
            re.compile(r"3\. 张三"),
            re.compile(r"4\. Delta Works"),
        ]
    )
    _place_field(owner, surface, f"1. Alpha Ltd · {t('Company (seals)')}", 0.25, 0.3)
    _place_field(owner, surface, f"2. Bravo Trading Co · {t('Company (seals)')}", 0.7, 0.3)
    _place_field(owner, surface, f"3. 张三 · {t('Person (signs)')}", 0.3, 0.7)
    _place_field(owner, surface, f"4. Delta Works · {t('Company (seals)')}", 0.7, 0.7)
    expect(owner.get_by_text(t("No field placed yet."))).to_have_count(0)
    page_checks.check(owner, "owner-1-draft")

    surface.press(owner.get_by_role("link", name=t("Review and send")))
    expect(owner.get_by_role("heading", level=1)).to_have_text(t("Review “%(name)s” before sending", name=ENVELOPE))
    expect(owner.locator(".review-parties > li")).to_have_count(4)
    expect(owner.locator(".review-parties > li").nth(2)).to_contain_text(
        f"{t('Page %(number)s', number=1)}: {t('Signature')}"
    )
    page_checks.check(owner, "owner-2-review")
    surface.press(owner.get_by_role("button", name=t("Send"), exact=True))
    expect(owner.get_by_text(t("Sent. The first parties were notified."))).to_be_visible()
    expect(owner.locator("h1 .badge")).to_have_text(t("In progress"))
    page_checks.check(owner, "owner-3-sent")

    # A certifies first, from its own inbox.
    _seal_from_inbox(owner, site, surface, a)

    # B seals from Bravo's host.
    bravo = new_context().new_page()
    sign_in(bravo, site, "bravo", b.user.email, PASSWORD, surface=surface)
    _seal_from_inbox(bravo, site, surface, b)

    # C opens the mailed link on the platform host and proves the address with a code.
    link = _mail_matching(PERSON_EMAIL, r"/sign/([A-Za-z0-9_-]+)/")
    mails_before_code = len(worker_mail(PERSON_EMAIL))
    person = new_context().new_page()
    person.goto(site.url(None, f"/sign/{link.group(1)}/"))
    expect(person.get_by_role("heading", level=1)).to_have_text(ENVELOPE)
    expect(person.locator(".page")).to_have_count(0)  # nothing shown before the code
    surface.press(person.get_by_role("button", name=t("Email me a one-time code")))
    expect(person.get_by_text(t("We sent a one-time code to your email address."))).to_be_visible()
    code = _mail_matching(PERSON_EMAIL, r"\b(\d{6})\b", after=mails_before_code).group(1)
    person.get_by_label(t("One-time code")).fill(code)
    surface.press(person.get_by_role("button", name=t("Continue"), exact=True))
    expect(person.locator(".page")).to_have_count(2)
    expect(person.locator(".placed:not(.other)")).to_have_count(1)
    page_checks.check(person, "person-1-verified")
    # C draws a signature on the pad (undoing a first stroke), confirms the consent, signs.
    expect(person.get_by_role("radio", name=t("Draw it"))).to_be_checked()
    person.get_by_label(t("I confirm the statement above.")).check()
    surface.press(person.get_by_role("button", name=t("Sign the document")))
    expect(person.locator("#signature-error")).to_be_visible()  # an empty pad is not sent
    draw_signature(person, surface)
    surface.press(person.get_by_role("button", name=t("Undo")))
    draw_signature(person, surface)
    page_checks.check(person, "person-2-drawn")
    expect(person.locator("#signature-error")).to_be_hidden()
    with person.expect_navigation():
        surface.press(person.get_by_role("button", name=t("Sign the document")))
    expect(
        person.get_by_text(surface.t("Done. Thank you. You will receive the signed PDF once every party has signed."))
    ).to_be_visible(timeout=90_000)
    # The page images are now those of the signed version: the drawing's ink is in the field.
    mine = person.locator(".placed.static.done")
    expect(mine).to_have_count(1)
    wait_for_image(person.locator('.page[data-page="0"] img'))
    assert ink_under(person, mine) > 20
    page_checks.check(person, "person-3-signed")

    # D seals from Delta's host.
    delta = new_context().new_page()
    sign_in(delta, site, "delta", d.user.email, PASSWORD, surface=surface)
    _seal_from_inbox(delta, site, surface, d, last=True)

    # A sees the envelope completed and downloads the final PDF.
    owner.goto(envelope_url)

    def completed():
        if owner.locator("h1 .badge").inner_text() == t("Completed"):
            return True
        owner.reload()
        return False

    wait_until(completed, "the completed envelope", seconds=90)
    expect(owner.locator(".envelope-parties .badge")).to_have_text([t("Done")] * 4)
    expect(owner.get_by_text(t("The audit trail is intact: every entry links to the one before it."))).to_be_visible()
    page_checks.check(owner, "owner-4-completed")
    with owner.expect_download() as download_info:
        surface.press(owner.get_by_role("link", name=t("Final PDF")))
    final = tmp_path / "final.pdf"
    download_info.value.save_as(final)
    off_the_loop(assert_four_signatures_then_timestamp, final.read_bytes(), a.company)

    # Anyone can check it on the platform's verify page.
    visitor = new_context().new_page()
    visitor.goto(site.url(None, "/verify/"))
    visitor.locator("input[name=file]").set_input_files(str(final))
    surface.press(visitor.get_by_role("button", name=t("Verify"), exact=True))
    verdict = visitor.locator(".verdict")
    expect(verdict).to_contain_text(t("Signatures valid"))
    for company in ("Alpha Ltd", "Bravo Trading Co", "Delta Works"):
        expect(visitor.locator("dd").filter(has_text=company).first).to_be_visible()
    page_checks.check(visitor, "verified")
