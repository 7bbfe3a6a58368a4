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
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from documents.services.versions import document_upload
from tests.accounts.conftest import reviewer  # noqa: F401 (fixture)
from tests.conftest import client_on, verified_client_on
from tests.documents.pdfs import make_pdf
from tests.documents.test_verify_page import sealed_pdf  # noqa: F401 (fixture)
from tests.workflows.conftest import signatory, tasks_run_here  # noqa: F401 (fixture)
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
]
# Official Chinese terms an English page shows on purpose (test_i18n_and_pages.py).
OFFICIAL_TERMS = re.compile(r"\((公章|合同专用章|财务专用章|发票专用章|骑缝章)\)")
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]+")
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
def journey_pages(world, approved_alpha, reviewer, tasks_run_here):  # noqa: F811
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
        envelope_send(envelope=sent, owner=alpha.company, acting_user=alpha.user)
        token = party_link_token(Party.objects.get(pk=person.pk))
    company_pages = [
        "/",
        "/documents/",
        f"/documents/{document.pk}/",
        "/seals/",
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
        "/admin/accounts/factorlock/",
    ]
    extra = [alpha.user.full_name, bravo.user.full_name, "Reviewer", "Bob", "Charlie", alpha.seal.name]

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
