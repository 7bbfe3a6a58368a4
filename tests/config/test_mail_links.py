"""Every kind of mail the product sends: each link in it names the host and port the
platform is served on (PLATFORM_URL, which `make run PORT=…` sets), never a request's or
port 8000, and following it on a server running on that port opens the page it promises
for the person it was sent to. Mails that carry no link are listed too, so a link added
to one later is tested here."""

from __future__ import annotations

import os
import re
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection, connections
from django.test import Client, override_settings
from django.test.testcases import LiveServerThread
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from accounts.models import IdentityAppeal, Membership, OneTimeCode, User
from accounts.services import identity_appeal_reject, identity_appeal_uphold
from accounts.services.passwords import account_recovery_complete, account_recovery_start
from documents.services.approvals import seal_use_request_reject
from documents.services.sealing import document_seal_execute
from documents.services.versions import document_upload
from seals.models import Seal
from seals.services import seal_application_approve, seal_application_reject, seal_application_submit
from seals.tasks import seal_expiry_reminders
from tenants.members import invitation_create
from tenants.services import company_registration_approve, company_registration_reject
from tests.conftest import PASSWORD
from tests.documents.pdfs import make_pdf
from tests.seals.conftest import licence
from tests.workflows.conftest import seal_for, signatory, tasks_run_here, uscc_for  # noqa: F401 (fixture)
from tests.workflows.test_envelopes import _company_seals, _route
from tests.workflows.test_seal_use_approval import _alice_membership, _approve, _ask, _document_placed_by_bob
from workflows.envelopes.deadlines import envelope_cancel, envelope_deadlines_run, envelope_remind
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.persons import envelope_party_code_send
from workflows.envelopes.sending import envelope_send
from workflows.envelopes.signing import envelope_party_decline
from workflows.models import Envelope, Party

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s<>\"“”]+")


@pytest.fixture(autouse=True)
def served(settings, monkeypatch):
    """The platform served over HTTP on a free port (not 8000), with PLATFORM_URL naming
    it, as `make run PORT=…` does. The server's request threads use this test's database
    connection (one request at a time), so they see what the test wrote without a commit;
    closing it after a request is a no-op here, the test's transaction ends it."""
    shared = connections["default"]
    shared.ensure_connection()
    monkeypatch.setattr(shared, "close", lambda: None)
    monkeypatch.setattr(shared, "close_if_unusable_or_obsolete", lambda: None)
    shared.inc_thread_sharing()
    thread = LiveServerThread("127.0.0.1", lambda handler: handler, connections_override={"default": shared})
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    assert thread.port != 8000
    settings.PLATFORM_URL = f"http://{settings.BASE_DOMAIN}:{thread.port}"
    yield thread.port
    thread.terminate()
    for request_thread in threading.enumerate():
        if getattr(getattr(request_thread, "_target", None), "__self__", None) is thread.httpd:
            request_thread.join(timeout=10)
    shared.dec_thread_sharing()


def mails_to(to: str) -> list:
    return [message for message in mail.outbox if to in message.to]


def links_to(to: str) -> list[str]:
    found = [link for message in mails_to(to) for link in LINK.findall(message.body)]
    assert found, f"no link mailed to {to}"
    return list(dict.fromkeys(found))  # a bilingual mail names its link in both halves


def opens(link: str, *, host: str, user: User | None = None, shows: str = "") -> str:
    """Follows the link over HTTP as a browser would: to the port it names, with its host
    (every host of the platform is this machine, as in tests/e2e). It must be on `host` at
    the port the platform is served on and answer 200 there (for `user`, signed in)."""
    parts = urlsplit(link)
    assert (parts.scheme, parts.hostname, parts.port) == ("http", host, urlsplit(django_settings.PLATFORM_URL).port), (
        link
    )
    cookies = {}
    if user is not None:
        client = Client(HTTP_HOST=parts.netloc)
        client.force_login(user)
        cookies[django_settings.SESSION_COOKIE_NAME] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    previous = connection.tenant
    try:
        response = requests.get(
            f"http://127.0.0.1:{parts.port}{parts.path}" + (f"?{parts.query}" if parts.query else ""),
            headers={"Host": parts.netloc, "Accept-Language": "en", "Connection": "close"},
            cookies=cookies,
            allow_redirects=False,
            timeout=60,
        )
    finally:
        connection.set_tenant(previous)
    assert response.status_code == 200, (link, response.status_code, response.headers.get("Location"))
    assert shows in response.text, (link, shows)
    return response.text


def test_an_invitation_link_opens_the_invitation_on_the_platform(world, settings, django_capture_on_commit_callbacks):
    acting = Membership.objects.select_related("user").get(user=world.alice, company=world.alpha)
    invitee = User.objects.create_user("dora@example.com", PASSWORD, full_name="Dora")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(company=world.alpha, acting_membership=acting, email="dora@example.com", role="member")
    (link,) = links_to("dora@example.com")
    opens(link, host=settings.BASE_DOMAIN, user=invitee, shows=world.alpha.name)


def test_registration_decisions_link_to_the_company_host(world, django_capture_on_commit_callbacks):
    reviewer = User.objects.create_user("reviewer@example.com", PASSWORD, full_name="Reviewer", is_staff=True)
    User.objects.filter(pk=world.alice.pk).update(language="en")
    User.objects.filter(pk=world.charlie.pk).update(language="zh-hans")
    # The reviewer works in the other language each time: the owner's language wins.
    with django_capture_on_commit_callbacks(execute=True), translation.override("zh-hans"):
        company_registration_approve(company=world.alpha, acting_user=reviewer)
    (link,) = links_to(world.alice.email)
    (approved,) = mails_to(world.alice.email)
    assert approved.subject.isascii(), approved.subject
    opens(link, host=world.alpha.domains.get().domain, user=world.alice)
    assert urlsplit(link).path == "/seals/apply/"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        company_registration_reject(company=world.beta, acting_user=reviewer, reason="Licence unreadable")
    (link,) = links_to(world.charlie.email)
    (rejected,) = mails_to(world.charlie.email)
    assert not rejected.subject.isascii(), rejected.subject
    opens(link, host=world.beta.domains.get().domain, user=world.charlie)


@pytest.mark.usefixtures("tasks_run_here")
def test_envelope_mails_link_to_the_inbox_the_sign_page_and_registration(
    world, approved_alpha, settings, django_capture_on_commit_callbacks
):
    a = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    b = signatory("bravo", "Bravo Trading Co", 1)
    with tenant_context(a.company):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=a.user)
        envelope = envelope_create(document=document, name="Supply contract", message="", acting_user=a.user)
        parties = [
            ("company", "", "owner@bravo.example", b.company.uscc),
            ("person", "张三", "zhangsan@example.com", ""),
            ("company", "Echo Ltd", "boss@echo.example", uscc_for(9)),
        ]
        for order, (kind, name, email, uscc) in enumerate(parties, start=1):
            # One parallel group: every party is mailed at once.
            party = envelope_party_add(
                envelope=envelope, kind=kind, name=name, email=email, uscc=uscc, order=1, acting_user=a.user
            )
            envelope_field_add(party=party, page=0, x=60 + 120 * order, y=80, acting_user=a.user)
        with django_capture_on_commit_callbacks(execute=True):
            envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)

    (inbox,) = links_to("owner@bravo.example")
    opens(inbox, host=b.company.domains.get().domain, user=b.user, shows="Supply contract")
    assert urlsplit(inbox).path.startswith("/envelopes/inbox/")
    (sign,) = links_to("zhangsan@example.com")
    opens(sign, host=settings.BASE_DOMAIN, shows="Supply contract")
    assert urlsplit(sign).path.startswith("/sign/")
    (register,) = links_to("boss@echo.example")
    boss = User.objects.create_user(
        "boss@echo.example", PASSWORD, full_name="Boss", id_number_hash="boss", email_verified_at=timezone.now()
    )
    opens(register, host=settings.BASE_DOMAIN, user=boss, shows="91310000000000009P")
    assert urlsplit(register).path == "/companies/new/"
    with tenant_context(a.company):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            envelope_cancel(envelope=envelope, acting_user=a.user, reason="Wrong version")
    owner_links = links_to(a.user.email)
    opens(owner_links[-1], host=a.company.domains.get().domain, user=a.user, shows="Supply contract")


def test_seal_use_mails_link_to_the_request_and_the_document(world, approved_alpha, django_capture_on_commit_callbacks):
    seal = seal_for(approved_alpha, world.alice)
    document = _document_placed_by_bob(world, seal)
    User.objects.filter(pk=world.alice.pk).update(language="zh-hans")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        use_request = _ask(world, document, seal)
    (ask,) = links_to(world.alice.email)
    assert mail.outbox[-1].subject.startswith("用印申请"), "mail in the recipient's language, not the sender's"
    opens(ask, host=world.alpha.domains.get().domain, user=world.alice, shows="Sign the supply contract")
    with django_capture_on_commit_callbacks(execute=True):
        _approve(world, use_request)
    (approved,) = links_to(world.bob.email)
    opens(approved, host=world.alpha.domains.get().domain, user=world.bob, shows="contract.pdf")
    assert urlsplit(approved).path == f"/documents/{document.pk}/"


def test_seal_decisions_link_to_the_seal_and_the_application_form_in_the_applicants_language(
    world, approved_alpha, django_capture_on_commit_callbacks
):
    reviewer = User.objects.create_user("reviewer@example.com", PASSWORD, full_name="Reviewer", is_staff=True)
    User.objects.filter(pk=world.alice.pk).update(language="en")
    world.alice.refresh_from_db()
    applications = [
        seal_application_submit(
            company=approved_alpha,
            applicant=world.alice,
            seal_type="contract",
            seal_name=name,
            seal_password="Seal-pass-2026",
            business_licence=licence(),
        )
        for name in ("Alpha Ltd", "Alpha Ltd finance")
    ]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), translation.override("zh-hans"):
        seal = seal_application_approve(application=applications[0], acting_user=reviewer)
    (link,) = links_to(world.alice.email)
    assert mail.outbox[-1].subject.startswith("Your seal"), "the applicant's language, not the reviewer's"
    opens(link, host=world.alpha.domains.get().domain, user=world.alice, shows=seal.code)
    assert urlsplit(link).path == f"/seals/{seal.pk}/"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), translation.override("zh-hans"):
        seal_application_reject(application=applications[1], acting_user=reviewer, reason="Licence unreadable")
    (link,) = links_to(world.alice.email)
    assert "Licence unreadable" in mail.outbox[-1].body and "Apply again" in mail.outbox[-1].body
    opens(link, host=world.alpha.domains.get().domain, user=world.alice)
    assert urlsplit(link).path == "/seals/apply/"


def test_a_seal_expiry_reminder_links_to_the_application_form(
    world, approved_alpha, django_capture_on_commit_callbacks
):
    seal = seal_for(approved_alpha, world.alice)
    Seal.objects.filter(pk=seal.pk).update(not_after=timezone.now() + timedelta(days=10))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert seal_expiry_reminders() == 1
    (link,) = links_to(world.alice.email)
    opens(link, host=world.alpha.domains.get().domain, user=world.alice)
    assert urlsplit(link).path == "/seals/apply/"


@pytest.mark.usefixtures("tasks_run_here")
def test_an_envelope_reminder_links_to_the_sign_page(
    world, approved_alpha, settings, django_capture_on_commit_callbacks
):
    a = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    with tenant_context(a.company):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=a.user)
        envelope = envelope_create(document=document, name="Lease", message="", acting_user=a.user)
        party = envelope_party_add(
            envelope=envelope, kind="person", name="张三", email="zhangsan@example.com", order=1, acting_user=a.user
        )
        envelope_field_add(party=party, page=0, x=200, y=80, acting_user=a.user)
        with django_capture_on_commit_callbacks(execute=True):
            envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            envelope_remind(envelope=envelope, acting_user=a.user)
    (reminder,) = links_to("zhangsan@example.com")
    opens(reminder, host=settings.BASE_DOMAIN, shows="Lease")
    assert urlsplit(reminder).path.startswith("/sign/")


def test_a_refused_seal_use_links_to_the_request_with_the_reason(
    world, approved_alpha, django_capture_on_commit_callbacks
):
    seal = seal_for(approved_alpha, world.alice)
    document = _document_placed_by_bob(world, seal)
    use_request = _ask(world, document, seal)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), tenant_context(world.alpha):
        seal_use_request_reject(
            use_request=use_request, acting_membership=_alice_membership(world), reason="Wrong counterparty"
        )
    (link,) = links_to(world.bob.email)
    opens(link, host=world.alpha.domains.get().domain, user=world.bob, shows="Wrong counterparty")
    assert urlsplit(link).path == f"/approvals/{use_request.pk}/"


def _appeal(email: str) -> IdentityAppeal:
    return IdentityAppeal.objects.create(
        id_number_hash="h-" + email,
        id_number_encrypted=b"",
        id_number_masked="1101**********002X",
        full_name="张三",
        email=email,
        statement="I never registered.",
        id_photo="appeals/id.png",
    )


def test_appeal_decisions_link_to_the_appeal_page_in_both_languages(
    world, settings, django_capture_on_commit_callbacks
):
    reviewer = User.objects.create_user("reviewer@example.com", PASSWORD, full_name="Reviewer", is_staff=True)
    upheld, rejected = _appeal("real@example.com"), _appeal("other@example.com")
    with django_capture_on_commit_callbacks(execute=True), translation.override("zh-hans"):
        identity_appeal_uphold(appeal=upheld, acting_user=reviewer, reason="Photo matches")
        identity_appeal_reject(appeal=rejected, acting_user=reviewer, reason="Photo unreadable")

    (message,) = mails_to("real@example.com")
    # The appellant is no user with a language: the mail reads in both, whatever the reviewer's.
    assert "您的身份申诉" in message.subject and "Your identity appeal was upheld" in message.subject
    (link,) = links_to("real@example.com")
    page = opens(link, host=settings.BASE_DOMAIN, shows="you can now register with this ID number")
    assert 'href="/accounts/register/"' in page
    assert urlsplit(link).path == f"/accounts/appeals/{upheld.pk}/"

    (message,) = mails_to("other@example.com")
    assert message.subject.endswith(" / Your identity appeal was not upheld"), message.subject
    assert message.body.count("Photo unreadable") == 2  # the reason, in both halves
    (link,) = links_to("other@example.com")
    opens(link, host=settings.BASE_DOMAIN, shows="Photo unreadable")


@pytest.mark.usefixtures("tasks_run_here")
@pytest.mark.parametrize("outcome", ["declined", "expired"])
def test_the_owner_is_told_of_the_outcome_with_a_link_to_the_envelope(
    world, approved_alpha, outcome, django_capture_on_commit_callbacks
):
    a = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    with tenant_context(a.company):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=a.user)
        envelope = envelope_create(document=document, name="Lease", message="", acting_user=a.user)
        party = envelope_party_add(
            envelope=envelope, kind="person", name="张三", email="zhangsan@example.com", order=1, acting_user=a.user
        )
        envelope_field_add(party=party, page=0, x=200, y=80, acting_user=a.user)
        with django_capture_on_commit_callbacks(execute=True):
            envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            if outcome == "declined":
                envelope_party_decline(party_id=party.pk, reason="Wrong rent")
            else:
                Envelope.objects.filter(pk=envelope.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
                assert envelope_deadlines_run()["expired"] == 1
        assert Envelope.objects.get(pk=envelope.pk).status == outcome
    (link,) = links_to(a.user.email)
    page = opens(link, host=a.company.domains.get().domain, user=a.user, shows="Lease")
    assert urlsplit(link).path == f"/envelopes/{envelope.pk}/"
    if outcome == "declined":
        assert "Wrong rent" in page
    else:
        # The person is told the envelope is closed; nothing is left for them to open.
        (closed,) = mails_to("zhangsan@example.com")
        assert LINK.findall(closed.body) == [], closed.body


@pytest.mark.usefixtures("tasks_run_here")
def test_mails_that_carry_a_code_or_a_notice_carry_no_link(world, approved_alpha, django_capture_on_commit_callbacks):
    """A one-time code is typed where it was asked for, and a notice of a changed password
    carries nothing to click (a link there is what phishing mails look like)."""

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        account_recovery_start(user=world.bob, channel=OneTimeCode.Channel.EMAIL)
    (code_mail,) = mails_to(world.bob.email)
    code = re.search(r"\b(\d{6})\b", code_mail.body).group(1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        account_recovery_complete(user=world.bob, code=code, password="Brand-New-Pass-7")
    (notice,) = mails_to(world.bob.email)

    a = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    with tenant_context(a.company):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=a.user)
        envelope = envelope_create(document=document, name="Lease", message="", acting_user=a.user)
        party = envelope_party_add(
            envelope=envelope, kind="person", name="张三", email="zhangsan@example.com", order=1, acting_user=a.user
        )
        envelope_field_add(party=party, page=0, x=200, y=80, acting_user=a.user)
        envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            envelope_party_code_send(party_id=Party.objects.get(pk=party.pk).pk)
    (party_code,) = mails_to("zhangsan@example.com")
    for message in (code_mail, notice, party_code):
        assert LINK.findall(message.body) == [], message.body


@pytest.mark.usefixtures("tasks_run_here")
def test_a_completed_envelope_mails_the_files_and_the_owner_a_link_to_it(
    world, approved_alpha, django_capture_on_commit_callbacks
):
    # The seal's certificate names the platform's revocation service, where the suite serves it.
    with override_settings(PLATFORM_URL=os.environ["PLATFORM_URL"]):
        a = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    with tenant_context(a.company):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=a.user)
        envelope = envelope_create(document=document, name="Lease", message="", acting_user=a.user)
        party = envelope_party_add(
            envelope=envelope,
            kind="company",
            email="seals@alpha.example",
            uscc=a.company.uscc,
            order=1,
            acting_user=a.user,
        )
        envelope_field_add(party=party, page=0, x=200, y=80, width=100, acting_user=a.user)
        with django_capture_on_commit_callbacks(execute=True):
            envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
    grant = _company_seals(a, _route(a.company, a.company))
    mail.outbox.clear()
    with tenant_context(a.company), django_capture_on_commit_callbacks(execute=True):
        assert document_seal_execute(grant_id=grant["id"]) is not None
    with tenant_context(a.company):
        assert Envelope.objects.get(pk=envelope.pk).status == Envelope.Status.COMPLETED
    # The party gets the signed file and the certificate; nothing to click.
    (result,) = mails_to("seals@alpha.example")
    assert sorted(name for name, _data, _type in result.attachments) == ["Lease.pdf", "certificate-of-completion.pdf"]
    assert LINK.findall(result.body) == []
    (link,) = links_to(a.user.email)
    opens(link, host=a.company.domains.get().domain, user=a.user, shows="Lease")
    assert urlsplit(link).path == f"/envelopes/{envelope.pk}/"
