"""A document can go out again after an envelope on it was canceled, with the same party
order; a field removed and placed again in a draft does not clash either. Every send adds
signature fields whose names the PDF does not have yet."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from documents.pdf.fields import signature_field_names
from documents.services.versions import document_upload
from tests.conftest import client_on
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import reviewed, signatory
from workflows.envelopes.deadlines import envelope_cancel
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_field_remove, envelope_party_add
from workflows.models import Envelope

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(world, approved_alpha):
    alpha = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    bravo = signatory("bravo", "Bravo Trading Co", 1)
    return alpha, bravo


def _draft(alpha, bravo, document) -> Envelope:
    with tenant_context(alpha.company):
        envelope = envelope_create(document=document, name="Supply contract", acting_user=alpha.user)
        company = envelope_party_add(
            envelope=envelope,
            kind="company",
            email="owner@bravo.example",
            uscc=bravo.company.uscc,
            order=1,
            acting_user=alpha.user,
        )
        envelope_field_add(party=company, page=0, x=100, y=80, acting_user=alpha.user)
        person = envelope_party_add(
            envelope=envelope, kind="person", name="张三", email="zhangsan@example.com", order=2, acting_user=alpha.user
        )
        envelope_field_add(party=person, page=0, x=300, y=80, acting_user=alpha.user)
    return envelope


def _fields_in(alpha, document) -> dict[str, bool]:
    with tenant_context(alpha.company):
        document.refresh_from_db()
        with document.current_version.file.open("rb") as handle:
            return signature_field_names(handle.read())


def test_a_document_goes_out_again_after_a_canceled_envelope(pair):
    alpha, bravo = pair
    owner = client_on(alpha.company, alpha.user)
    with tenant_context(alpha.company):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=alpha.user)
    first = _draft(alpha, bravo, document)
    assert owner.post(f"/envelopes/{first.pk}/send/", reviewed(alpha.company, first)).status_code == 302
    with tenant_context(alpha.company):
        envelope_cancel(envelope=first, reason="Wrong price", acting_user=alpha.user)
    assert len(_fields_in(alpha, document)) == 2

    second = _draft(alpha, bravo, document)
    sent = owner.post(f"/envelopes/{second.pk}/send/", reviewed(alpha.company, second))

    assert sent.status_code == 302 and sent["Location"] == f"/envelopes/{second.pk}/"
    with tenant_context(alpha.company):
        second.refresh_from_db()
        assert second.status == Envelope.Status.IN_PROGRESS
    fields = _fields_in(alpha, document)
    assert len(fields) == 4 and not any(fields.values())


def test_a_field_removed_and_placed_again_in_a_draft_does_not_clash(pair):
    alpha, bravo = pair
    owner = client_on(alpha.company, alpha.user)
    with tenant_context(alpha.company):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=alpha.user)
    envelope = _draft(alpha, bravo, document)
    with tenant_context(alpha.company):
        company = envelope.parties.get(kind="company")
        first, *_ = company.fields.all()
        envelope_field_add(party=company, page=0, x=100, y=400, acting_user=alpha.user)
        envelope_field_remove(field=first, acting_user=alpha.user)
        envelope_field_add(party=company, page=0, x=100, y=600, acting_user=alpha.user)

    assert owner.post(f"/envelopes/{envelope.pk}/send/", reviewed(alpha.company, envelope)).status_code == 302

    with tenant_context(alpha.company):
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.IN_PROGRESS
    assert len(_fields_in(alpha, document)) == 3
