"""Sending an envelope goes through a review page: the document, the parties in order
with their fields per page, the deadline and the reminders, with Back and Send. Send
only comes from that page, and only for the draft as it was reviewed."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import tenant_context

from documents.services.versions import document_upload
from tests.accounts.conftest import ALICE_ID
from tests.conftest import client_on
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import reviewed, signatory
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.models import Envelope

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world, approved_alpha):
    alpha = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    bravo = signatory("bravo", "Bravo Trading Co", 1)
    with tenant_context(alpha.company):
        document = document_upload(name="contract.pdf", data=make_pdf(3), acting_user=alpha.user)
        envelope = envelope_create(
            document=document, name="Supply contract", reminder_interval_days=2, acting_user=alpha.user
        )
        company = envelope_party_add(
            envelope=envelope,
            kind="company",
            email="owner@bravo.example",
            uscc=bravo.company.uscc,
            order=1,
            acting_user=alpha.user,
        )
        envelope_field_add(party=company, page=0, x=100, y=80, acting_user=alpha.user)
        envelope_field_add(party=company, page=2, x=100, y=80, acting_user=alpha.user)
        person = envelope_party_add(
            envelope=envelope, kind="person", name="张三", email="zhangsan@example.com", order=2, acting_user=alpha.user
        )
        envelope_field_add(party=person, page=2, x=300, y=80, acting_user=alpha.user)
    return alpha, envelope


def _status(alpha, envelope) -> str:
    with tenant_context(alpha.company):
        return Envelope.objects.get(pk=envelope.pk).status


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_review_lists_parties_in_order_with_their_fields_per_page(draft):
    alpha, envelope = draft
    english = client_on(alpha.company, alpha.user, HTTP_ACCEPT_LANGUAGE="en")
    page = english.get(f"/envelopes/{envelope.pk}/review/")
    assert page.status_code == 200
    text = _text(page.content.decode())
    assert "contract.pdf Version 1 · 3 pages" in text
    assert re.search(r"1\. Bravo Trading Co · Company \(seals\) owner@bravo\.example Page 1: Seal Page 3: Seal", text)
    assert re.search(r"2\. 张三 · Person \(signs\) zhangsan@example\.com Page 3: Signature", text)
    assert "Every 2 days" in text and "Beijing time" in text and "30 days after sending" in text
    assert 'name="review" value="' in page.content.decode() and "Back" in text
    chinese = _text(client_on(alpha.company, alpha.user).get(f"/envelopes/{envelope.pk}/review/").content.decode())
    assert "第 1 页: 印章 第 3 页: 印章" in chinese and "第 3 页: 签名" in chinese
    assert "每 2 天" in chinese and "北京时间" in chinese and "返回" in chinese
    assert not re.search(r"页 \d", chinese)  # "第 4 页", never "页 4"
    # The draft links to the review; it has no Send form of its own.
    draft_page = english.get(f"/envelopes/{envelope.pk}/").content.decode()
    assert f'href="/envelopes/{envelope.pk}/review/"' in draft_page
    assert f'action="/envelopes/{envelope.pk}/send/"' not in draft_page


def test_send_only_from_the_review(draft):
    alpha, envelope = draft
    owner = client_on(alpha.company, alpha.user, HTTP_ACCEPT_LANGUAGE="en")
    skipped = owner.post(f"/envelopes/{envelope.pk}/send/", follow=True)
    assert skipped.redirect_chain[-1][0] == f"/envelopes/{envelope.pk}/review/"
    assert "Review the envelope before sending it." in skipped.content.decode()
    assert _status(alpha, envelope) == Envelope.Status.DRAFT

    form = reviewed(alpha.company, envelope)
    with tenant_context(alpha.company):
        envelope_party_add(
            envelope=Envelope.objects.get(pk=envelope.pk),
            kind="person",
            name="李四",
            email="lisi@example.com",
            order=3,
            acting_user=alpha.user,
        )
    changed = owner.post(f"/envelopes/{envelope.pk}/send/", form, follow=True)
    assert "The draft changed since you reviewed it." in changed.content.decode()
    assert _status(alpha, envelope) == Envelope.Status.DRAFT

    # The new party has no field yet: the review says so and offers no Send.
    review = owner.get(f"/envelopes/{envelope.pk}/review/").content.decode()
    assert "Place at least one field for 李四." in review
    assert re.search(r'<button class="button primary" type="submit" disabled>', review)
    with tenant_context(alpha.company):
        lisi = Envelope.objects.get(pk=envelope.pk).parties.get(name="李四")
        envelope_field_add(party=lisi, page=1, x=300, y=80, acting_user=alpha.user)
    sent = owner.post(f"/envelopes/{envelope.pk}/send/", reviewed(alpha.company, envelope), follow=True)
    assert "Sent. The first parties were notified." in sent.content.decode()
    assert _status(alpha, envelope) == Envelope.Status.IN_PROGRESS
    # A sent envelope's review leads to its page.
    assert owner.get(f"/envelopes/{envelope.pk}/review/")["Location"] == f"/envelopes/{envelope.pk}/"


def test_the_review_shows_the_fingerprint_parallel_steps_and_who_must_give_an_id_number(world, approved_alpha):
    alpha = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    bravo = signatory("bravo", "Bravo Trading Co", 1)
    with tenant_context(alpha.company):
        document = document_upload(name="lease.pdf", data=make_pdf(1), acting_user=alpha.user)
        envelope = envelope_create(document=document, name="Lease", acting_user=alpha.user)
        for kind, name, email, extra in (
            ("company", "", "owner@bravo.example", {"uscc": bravo.company.uscc}),
            ("person", "张三", "zhangsan@example.com", {"id_number": ALICE_ID}),
        ):
            party = envelope_party_add(
                envelope=envelope, kind=kind, name=name, email=email, order=1, acting_user=alpha.user, **extra
            )
            envelope_field_add(party=party, page=0, x=100 if kind == "company" else 300, y=80, acting_user=alpha.user)
        envelope_party_add(
            envelope=envelope, kind="person", name="李四", email="lisi@example.com", order=2, acting_user=alpha.user
        )
        sha256 = document.current_version.sha256
    english = _text(
        client_on(alpha.company, alpha.user, HTTP_ACCEPT_LANGUAGE="en")
        .get(f"/envelopes/{envelope.pk}/review/")
        .content.decode()
    )
    assert f"Fingerprint SHA-256 {sha256}" in english
    assert english.count("At the same time as the other parties of step 1") == 2  # not 李四, alone in step 2
    assert re.search(
        r"1\. 张三 · Person \(signs\) zhangsan@example\.com At the same time as the other parties of step 1 "
        r"Must enter their ID number to sign",
        english,
    )
    assert english.count("Must enter their ID number to sign") == 1
    chinese = _text(client_on(alpha.company, alpha.user).get(f"/envelopes/{envelope.pk}/review/").content.decode())
    assert f"文件指纹 SHA-256 {sha256}" in chinese
    assert chinese.count("与第 1 步的其他参与方同时处理") == 2 and chinese.count("签署时须输入身份证号码") == 1
    draft = client_on(alpha.company, alpha.user, HTTP_ACCEPT_LANGUAGE="en").get(f"/envelopes/{envelope.pk}/")
    assert _text(draft.content.decode()).count("Must enter their ID number to sign") == 1
