"""Envelope and party names with line breaks: refused where they are typed, and a name
that has one anyway (stored before this rule, or a document's name) still reaches every
party by mail, on one subject line."""

from __future__ import annotations

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from documents.services.versions import document_upload
from tests.conftest import client_on
from tests.documents.pdfs import make_pdf
from workflows.envelopes.drafting import envelope_create, envelope_party_add
from workflows.envelopes.sending import envelope_send
from workflows.models import Envelope, Party

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(world):
    with tenant_context(world.alpha):
        return document_upload(name="contract.pdf", data=make_pdf(1), acting_user=world.alice)


@pytest.mark.parametrize(
    "name",
    ["Supply\r\nBcc: victim@example.com", "Supply\ncontract", "Tab\tin name", "A\u2028B", "Invoice \u202efdp.exe"],
)
def test_a_name_with_line_breaks_is_refused_on_the_page(world, document, name):
    owner = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")

    response = owner.post(f"/envelopes/new/?document={document.pk}", {"document": document.pk, "name": name})

    assert response.status_code == 400
    assert "The name cannot contain line breaks or other control characters." in response.content.decode()
    with tenant_context(world.alpha):
        assert not Envelope.objects.exists()


def test_a_party_name_with_a_line_break_is_refused(world, document):
    owner = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    with tenant_context(world.alpha):
        envelope = envelope_create(document=document, name="Supply contract", acting_user=world.alice)

    party = {"kind": "approver", "name": "Zhang\r\nSan", "order": "1", "email": "zhang@example.com"}
    response = owner.post(f"/envelopes/{envelope.pk}/parties/", party)

    assert response.status_code == 400
    assert "The name cannot contain line breaks or other control characters." in response.content.decode()
    chinese = client_on(world.alpha, world.alice).post(f"/envelopes/{envelope.pk}/parties/", party)
    assert chinese.status_code == 400 and "名称不能包含换行符或其他控制字符。" in chinese.content.decode()
    with tenant_context(world.alpha):
        assert not Party.objects.exists()


def test_a_stored_name_with_a_line_break_still_reaches_the_party(
    world, document, tasks_run_here, django_capture_on_commit_callbacks
):
    with tenant_context(world.alpha):
        envelope = envelope_create(document=document, name="Supply contract", acting_user=world.alice)
        Envelope.objects.filter(pk=envelope.pk).update(name="Supply\r\nBcc: victim@example.com")
        envelope.refresh_from_db()
        envelope_party_add(
            envelope=envelope,
            kind="approver",
            name="王五",
            email="wangwu@example.com",
            order=1,
            acting_user=world.alice,
        )
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            envelope_send(envelope=envelope, owner=world.alpha, acting_user=world.alice)

    (message,) = [message for message in mail.outbox if message.to == ["wangwu@example.com"]]
    assert "Supply Bcc: victim@example.com" in message.subject
    assert message.recipients() == ["wangwu@example.com"]
    headers = message.message().as_string().split("\n\n", 1)[0]
    assert "\nBcc:" not in headers and "Bcc" not in message.extra_headers
