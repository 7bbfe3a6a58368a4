"""Names and user agents are data: a party named in reportlab markup, approving by the
emailed link from a browser whose user agent is markup, completes the envelope; the
certificate of completion shows the text as it is and nothing is fetched. A completion
that fails leaves no stored file behind, so a retry starts clean."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django_tenants.utils import tenant_context
from pypdf import PdfReader

from documents.models import DocumentVersion
from documents.services.versions import document_upload
from tests.conftest import client_on
from tests.documents.pdfs import make_pdf
from tests.loopback import loopback  # noqa: F401  (a fixture)
from tests.workflows.conftest import TYPED_SIGNATURE_FORM
from workflows.envelopes import completion
from workflows.envelopes.completion import envelope_complete
from workflows.envelopes.drafting import envelope_create, envelope_party_add
from workflows.envelopes.sending import envelope_send
from workflows.models import Envelope, Party

pytestmark = pytest.mark.django_db


def _text_of(pdf: bytes) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def _shown(literal: str, text: str) -> bool:
    return "".join(literal.split()) in text


def _sent_to_approver(world, capture, *, envelope_name: str, party_name: str) -> Envelope:
    with tenant_context(world.alpha), capture(execute=True):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=world.alice)
        envelope = envelope_create(document=document, name=envelope_name, acting_user=world.alice)
        envelope_party_add(
            envelope=envelope,
            kind="approver",
            name=party_name,
            email="approver@example.com",
            order=1,
            acting_user=world.alice,
        )
        envelope_send(envelope=envelope, owner=world.alpha, acting_user=world.alice)
    return envelope


def _approve_by_link(agent: str) -> None:
    (invitation,) = [message for message in mail.outbox if message.to == ["approver@example.com"]]
    token = re.search(r"/sign/([A-Za-z0-9_-]+)/", invitation.body).group(1)
    browser = client_on(None, HTTP_USER_AGENT=agent)
    assert browser.get(f"/sign/{token}/").status_code == 200
    mail.outbox.clear()
    assert browser.post(f"/sign/{token}/code/").status_code == 302
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].subject).group(1)
    assert browser.post(f"/sign/{token}/verify/", {"code": code}).status_code == 302
    assert browser.post(f"/sign/{token}/submit/", TYPED_SIGNATURE_FORM).status_code == 302


def test_markup_in_a_party_name_and_a_user_agent_completes_and_shows_as_text(
    world,
    tasks_run_here,
    loopback,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    party_name = f'<img src="{loopback.url("/party")}" width="1" height="1"/>'
    agent = f'<img src="{loopback.url("/agent")}"/><b>'
    envelope_name = "Supply <b>contract & co"
    envelope = _sent_to_approver(
        world, django_capture_on_commit_callbacks, envelope_name=envelope_name, party_name=party_name
    )

    _approve_by_link(agent)

    with tenant_context(world.alpha):
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.COMPLETED
        assert Party.objects.get(envelope=envelope).status == Party.Status.COMPLETED
        with envelope.certificate.open("rb") as handle:
            certificate = handle.read()
    text = _text_of(certificate)
    for literal in (party_name, agent, envelope_name):
        assert _shown(literal, text), literal
    assert sum(len(page.images) for page in PdfReader(io.BytesIO(certificate)).pages) == 0
    assert loopback.requests == []


def _stored_files(company) -> set[str]:
    root = Path(settings.MEDIA_ROOT) / company.schema_name
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def test_a_failed_completion_leaves_no_stored_file_and_the_retry_completes(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    envelope = _sent_to_approver(
        world, django_capture_on_commit_callbacks, envelope_name="Supply contract", party_name="王五"
    )
    with tenant_context(world.alpha):
        Party.objects.filter(envelope=envelope).update(status=Party.Status.COMPLETED)
    before = _stored_files(world.alpha)

    def storage_gone(**kwargs):
        raise OSError("the storage service went away")

    monkeypatch.setattr(completion, "final_copies_deliver", storage_gone)
    with tenant_context(world.alpha), pytest.raises(OSError):
        envelope_complete(envelope_id=envelope.pk)
    with tenant_context(world.alpha):
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.IN_PROGRESS and not envelope.certificate
    assert _stored_files(world.alpha) == before

    monkeypatch.undo()
    with tenant_context(world.alpha):
        assert envelope_complete(envelope_id=envelope.pk).status == Envelope.Status.COMPLETED
        envelope.refresh_from_db()
        final = DocumentVersion.objects.get(pk=envelope.final_version_id)
        assert _stored_files(world.alpha) - before == {
            final.file.name.split("/", 1)[1],
            envelope.certificate.name.split("/", 1)[1],
        }
