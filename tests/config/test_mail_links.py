"""Every kind of mail with a link: the link names the host and port the platform is
served on (PLATFORM_URL, which `make run PORT=…` sets), never a request's or port 8000,
and opens the page it promises there for the person it was sent to."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from accounts.models import Membership, User
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
from tests.workflows.test_seal_use_approval import _approve, _ask, _document_placed_by_bob
from workflows.envelopes.deadlines import envelope_cancel, envelope_remind
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.sending import envelope_send

pytestmark = pytest.mark.django_db

PORT = 8104


@pytest.fixture(autouse=True)
def platform_served_on_another_port(settings):
    settings.PLATFORM_URL = f"http://{settings.BASE_DOMAIN}:{PORT}"


def links_to(to: str) -> list[str]:
    found = [link for message in mail.outbox if to in message.to for link in re.findall(r"https?://\S+", message.body)]
    assert found, f"no link mailed to {to}"
    return list(dict.fromkeys(found))  # a bilingual mail names its link in both halves


def opens(link: str, *, host: str, user: User | None = None, shows: str = "") -> None:
    """The link is on `host` at the platform's port, and answers 200 there (for `user`)."""
    parts = urlsplit(link)
    assert (parts.hostname, parts.port) == (host, PORT), link
    client = Client(HTTP_HOST=parts.netloc, HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    response = client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)
    connection.set_schema_to_public()
    assert response.status_code == 200, (link, response.status_code)
    assert shows in response.content.decode()


def test_an_invitation_link_opens_the_invitation_on_the_platform(world, settings, django_capture_on_commit_callbacks):
    acting = Membership.objects.select_related("user").get(user=world.alice, company=world.alpha)
    invitee = User.objects.create_user("dora@example.com", PASSWORD, full_name="Dora")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(company=world.alpha, acting_membership=acting, email="dora@example.com", role="member")
    (link,) = links_to("dora@example.com")
    opens(link, host=settings.BASE_DOMAIN, user=invitee, shows=world.alpha.name)


def test_registration_decisions_link_to_the_company_host(world, django_capture_on_commit_callbacks):
    reviewer = User.objects.create_user("reviewer@example.com", PASSWORD, full_name="Reviewer", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        company_registration_approve(company=world.alpha, acting_user=reviewer)
    (link,) = links_to(world.alice.email)
    opens(link, host=world.alpha.domains.get().domain, user=world.alice)
    assert urlsplit(link).path == "/seals/apply/"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        company_registration_reject(company=world.beta, acting_user=reviewer, reason="Licence unreadable")
    (link,) = links_to(world.charlie.email)
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
