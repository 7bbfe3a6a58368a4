"""The pages the journeys visit, rendered in English and in Chinese, carry no string of the
other language outside what users typed: no Chinese in an English page (but the official
seal terms), no English sentence in a Chinese page (but names, addresses and product
terms). Complements the catalogue check in test_i18n_and_pages.py, which cannot see a
string that never went through gettext."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from accounts.models import IdentityAppeal, Membership
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.versions import document_upload
from tenants.members import invitation_create
from tenants.models import EnvelopeRoute
from tests.accounts.conftest import registration, reviewer  # noqa: F401 (fixture)
from tests.conftest import PASSWORD, client_on, totp_now, verified_client_on
from tests.documents.pdfs import make_pdf
from tests.documents.test_verify_page import sealed_pdf  # noqa: F401 (fixture)
from tests.factories import UserFactory
from tests.workflows.conftest import SEAL_PASSWORD, signatory, tasks_run_here  # noqa: F401 (fixture)
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.sending import envelope_send
from workflows.links import party_link_token
from workflows.models import Party

pytestmark = pytest.mark.django_db

# What users typed (names, addresses, files) and what stays as it is in both languages.
USER_DATA = [
    "Alpha Ltd",
    "Beta Ltd",
    "Bravo Trading Co",
    "Supply contract",
    "Draft lease",
    "contract.pdf",
    "lease.pdf",
    "张三",
    "李四",
    "I never registered.",
]
SAME_IN_BOTH = [
    "Sealhub",
    "Asia/Shanghai",
    "简体中文",
    "English",
    "Swagger UI",
    "Webhook",
    "API",
    "PDF",
    "OFD",
    "USCC",
    "UTC+8",
    "SM2",
    "PAdES",
    "Django",
    "django-otp",
    "ECDSA",
    "RSA",
    "secp256r1",
    "Microsoft Authenticator",
    "Google Authenticator",
    "FreeOTP",
]
# Official Chinese terms an English page shows on purpose (test_i18n_and_pages.py).
OFFICIAL_TERMS = re.compile(r"\((公章|合同专用章|财务专用章|发票专用章|骑缝章)\)")
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]+")
# An action or status code shown as it is stored ("document.signed", "code_sent").
RAW_CODE = re.compile(r"\b[a-z]+(?:[._][a-z]+)+\b")
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}(?:[ '’-]+[A-Za-z]{2,})+")


class VisibleText(HTMLParser):
    """Text a person reads or hears: text nodes, alt/title/aria-label/placeholder."""

    SKIP = {"script", "style", "template", "code"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        for name, value in attrs:
            if name in ("alt", "title", "aria-label", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.parts


def _without_data(text: str, extra: list[str]) -> str:
    for known in [*USER_DATA, *SAME_IN_BOTH, *extra]:
        text = text.replace(known, " ")
    text = re.sub(r"(Common Name|Organization|Country|Organizational Unit|通用名称|单位|国家|部门): [^,]+,?", " ", text)
    return re.sub(r"\S+@\S+|https?://\S+|\b[0-9A-Z]{13,18}\b|[0-9a-f]{12,}", " ", text)


def chinese_in_english(html: str, extra: list[str]) -> list[str]:
    return [
        part
        for part in visible_text(html)
        if CJK.search(OFFICIAL_TERMS.sub(" ", _without_data(part, extra)).replace("·", " "))
    ]


def raw_codes(html: str, extra: list[str]) -> list[str]:
    """Host names, schema names and the abbreviations of ordinary text are not codes."""

    def cleaned(part: str) -> str:
        part = re.sub(rf"\S*{re.escape(settings.BASE_DOMAIN)}\b|\bc_[a-z_]+\b", " ", part)
        return re.sub(r"\b(?:a\.m|p\.m|e\.g|i\.e)\b", " ", _without_data(part, extra))

    return [part for part in visible_text(html) if RAW_CODE.search(cleaned(part))]


def _catalogue_words() -> set[str]:
    """One-word messages of the catalogue ("Send", "Back"): shown alone, they were not translated."""
    po = (Path(__file__).resolve().parents[2] / "config/locale/zh_Hans/LC_MESSAGES/django.po").read_text()
    return {msgid for msgid in re.findall(r'^msgid "([A-Za-z]{3,})"$', po, flags=re.M)} - set(SAME_IN_BOTH)


CATALOGUE_WORDS = _catalogue_words()


def english_in_chinese(html: str, extra: list[str]) -> list[str]:
    return [
        part
        for part in visible_text(html)
        if ENGLISH_WORDS.search(_without_data(part, extra))
        or part.strip(" :·") in CATALOGUE_WORDS
        or re.fullmatch(r"[A-Z][a-z]{2,}:?", _without_data(part, extra).strip())
    ]


@pytest.fixture
def journey_pages(world, approved_alpha, reviewer, tasks_run_here, django_capture_on_commit_callbacks):  # noqa: F811
    """The pages of the journeys (platform, company, sign link, admin) with what each needs:
    a draft envelope, a sent one with a person's verified link."""
    alpha = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    bravo = signatory("bravo", "Bravo Trading Co", 1)
    with tenant_context(alpha.company):
        document = document_upload(name="contract.pdf", data=make_pdf(2), acting_user=alpha.user)
        draft = envelope_create(document=document, name="Draft lease", reminder_interval_days=2, acting_user=alpha.user)
        party = envelope_party_add(
            envelope=draft,
            kind="company",
            order=1,
            uscc=bravo.company.uscc,
            email=bravo.user.email,
            acting_user=alpha.user,
        )
        envelope_field_add(party=party, page=0, x=100, y=80, acting_user=alpha.user)
        other = document_upload(name="lease.pdf", data=make_pdf(1), acting_user=alpha.user)
        sent = envelope_create(document=other, name="Supply contract", acting_user=alpha.user)
        person = envelope_party_add(
            envelope=sent, kind="person", order=1, name="张三", email="zhangsan@example.com", acting_user=alpha.user
        )
        envelope_field_add(party=person, page=0, x=300, y=80, acting_user=alpha.user)
        with_bravo = envelope_party_add(
            envelope=sent,
            kind="company",
            order=1,
            uscc=bravo.company.uscc,
            email=bravo.user.email,
            acting_user=alpha.user,
        )
        envelope_field_add(party=with_bravo, page=0, x=100, y=80, acting_user=alpha.user)
        envelope_send(envelope=sent, owner=alpha.company, acting_user=alpha.user)
        token = party_link_token(Party.objects.get(pk=person.pk))
        # A sealed document: its page after sealing and the activity it leaves.
        sealed = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=alpha.user)
        placement_add(
            document=sealed, company=alpha.company, seal_id=alpha.seal.pk, page=0, x=380, y=80, acting_user=alpha.user
        )
        grant = document_seal_request(
            document=sealed,
            company=alpha.company,
            seal_id=alpha.seal.pk,
            user=alpha.user,
            seal_password=SEAL_PASSWORD,
            otp_method="authenticator",
            otp_code=totp_now(alpha.device, 1),
        )
        sealed_version = document_seal_execute(grant_id=grant.pk)
    route = EnvelopeRoute.objects.get(party_company=bravo.company)
    # The newcomer's pages: an ID number already registered, recovery, appeal, invitation.
    client_on(None).post("/accounts/register/", registration())
    appeal = IdentityAppeal.objects.create(
        id_number_hash="h",
        id_number_encrypted=b"",
        id_number_masked="1101**********002X",
        full_name="张三",
        email="real@example.com",
        statement="I never registered.",
        id_photo="appeals/id.png",
    )
    invitee = UserFactory(email="dora@example.com", full_name="Dora")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            company=alpha.company,
            acting_membership=Membership.objects.select_related("user").get(user=alpha.user, company=alpha.company),
            email="dora@example.com",
            role="member",
        )
    invitation_token = re.search(r"/invitations/([\w-]+)/", mail.outbox[-1].body).group(1)
    company_pages = [
        "/",
        "/documents/",
        f"/documents/{document.pk}/",
        f"/documents/{sealed.pk}/?sealed={sealed_version.number}",
        "/seals/",
        "/seals/apply/",
        f"/seals/{alpha.seal.pk}/",
        "/envelopes/",
        f"/envelopes/{draft.pk}/",
        f"/envelopes/{draft.pk}/review/",
        f"/envelopes/{sent.pk}/",
        "/envelopes/inbox/",
        "/approvals/",
        "/members/",
        "/audit/",
        "/settings/api-keys/",
        "/accounts/security/",
    ]
    public_pages = ["/", "/accounts/login/", "/accounts/register/", "/accounts/password/reset/", "/verify/"]
    admin_pages = [
        "/admin/",
        "/admin/tenants/company/",
        f"/admin/tenants/company/{alpha.company.pk}/change/",
        "/admin/seals/sealapplication/",
        "/admin/seals/seal/",
        f"/admin/seals/seal/{alpha.seal.pk}/change/",
        f"/admin/seals/sealapplication/{alpha.seal.application_id}/change/",
        f"/admin/accounts/user/{alpha.user.pk}/change/",
        "/admin/accounts/user/",
        "/admin/accounts/securityevent/",
        "/admin/accounts/identityappeal/",
        f"/admin/accounts/identityappeal/{appeal.pk}/change/",
        "/admin/accounts/factorlock/",
    ]
    extra = [alpha.user.full_name, bravo.user.full_name, "Reviewer", "Bob", "Charlie", "Dora", alpha.seal.name]

    def render(language: str) -> dict[str, str]:
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        pages = {}
        company = client_on(alpha.company, alpha.user, **headers)
        for path in company_pages:
            response = company.get(path)
            assert response.status_code == 200, (path, response.status_code)
            pages[f"alpha {path}"] = response.content.decode()
        platform = client_on(None, **headers)
        for path in public_pages:
            pages[f"platform {path}"] = platform.get(path).content.decode()
        member = client_on(bravo.company, bravo.user, **headers)
        for path in ("/envelopes/inbox/", f"/envelopes/inbox/{route.pk}/", "/audit/"):
            response = member.get(path)
            assert response.status_code == 200, (path, response.status_code)
            pages[f"bravo {path}"] = response.content.decode()
        signed_in = client_on(None, alpha.user, **headers)
        for path in ("/", "/companies/new/"):
            pages[f"platform signed in {path}"] = signed_in.get(path).content.decode()
        newcomer = client_on(None, **headers)
        conflict = newcomer.post("/accounts/register/", registration(email="other@example.com"), follow=True)
        pages["registration with a taken ID number"] = conflict.content.decode()
        for path in ("/accounts/recover/", "/accounts/appeals/new/", f"/accounts/appeals/{appeal.pk}/"):
            response = newcomer.get(path)
            assert response.status_code == 200, (path, response.status_code)
            pages[f"newcomer {path}"] = response.content.decode()
        unconfirmed = client_on(None, **headers)
        unconfirmed.post("/accounts/login/", {"username": "zhang@example.com", "password": registration()["password"]})
        pages["email confirmation"] = unconfirmed.get("/accounts/email/verify/").content.decode()
        second_step = client_on(None, **headers)
        second_step.post("/accounts/login/", {"username": alpha.user.email, "password": PASSWORD})
        pages["two-factor check"] = second_step.get("/accounts/login/verify/").content.decode()
        pages["authenticator set-up"] = (
            client_on(None, world.bob, **headers).get("/accounts/security/authenticator/").content.decode()
        )
        pages["invitation"] = (
            client_on(None, invitee, **headers).get(f"/invitations/{invitation_token}/").content.decode()
        )
        person = client_on(None, **headers)
        pages["sign link before the code"] = person.get(f"/sign/{token}/").content.decode()
        mail.outbox.clear()
        person.post(f"/sign/{token}/code/")
        code = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject).group(1)
        person.post(f"/sign/{token}/verify/", {"code": code})
        pages["sign link"] = person.get(f"/sign/{token}/").content.decode()
        admin = verified_client_on(None, reviewer, **headers)
        for path in admin_pages:
            response = admin.get(path)
            assert response.status_code == 200, (path, response.status_code)
            pages[f"admin {path}"] = response.content.decode()
        return pages

    return render, extra


def test_english_pages_show_no_chinese_outside_user_data(journey_pages):
    render, extra = journey_pages
    found = {where: found for where, html in render("en").items() if (found := chinese_in_english(html, extra))}
    assert found == {}, "\n".join(f"{where}: {parts}" for where, parts in found.items())


def test_chinese_pages_show_no_english_outside_user_data(journey_pages):
    render, extra = journey_pages
    found = {where: found for where, html in render("zh-hans").items() if (found := english_in_chinese(html, extra))}
    assert found == {}, "\n".join(f"{where}: {parts}" for where, parts in found.items())


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_pages_show_no_raw_action_or_status_code(journey_pages, language):
    render, extra = journey_pages
    found = {where: found for where, html in render(language).items() if (found := raw_codes(html, extra))}
    assert found == {}, "\n".join(f"{where}: {parts}" for where, parts in found.items())


def test_the_verify_result_reads_in_one_language(sealed_pdf, world):  # noqa: F811
    extra = ["c.pdf", "Alice", world.alpha.uscc]
    found = {}
    for language, check in (("en", chinese_in_english), ("zh-hans", english_in_chinese)):
        response = client_on(None, HTTP_ACCEPT_LANGUAGE=language).post(
            "/verify/", {"file": SimpleUploadedFile("c.pdf", sealed_pdf)}
        )
        assert response.status_code == 200
        if problems := check(response.content.decode(), extra):
            found[language] = problems
    assert found == {}, found
