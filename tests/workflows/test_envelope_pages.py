"""Envelope pages on company hosts: Alpha drafts from a document page, adds Bravo (a
company, by USCC) and a person, places their fields and sends; Bravo's member finds it
in the inbox, seals it, and Alpha's page shows Bravo done. Outsiders get 404."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import translation
from django_tenants.utils import tenant_context
from pyhanko.sign.fields import MDPPerm

from accounts.models import AuthenticatorDevice
from config.errors import ApplicationError
from documents.models import SigningGrant
from documents.services.sealing import document_seal_execute
from documents.services.versions import document_upload
from tenants.models import EnvelopeRoute
from tests.accounts.conftest import last_code
from tests.conftest import client_on, totp_now
from tests.documents.pdfs import make_pdf
from tests.documents.realworld_corpus import certified_with_prepared_field, reportlab_pdf
from tests.documents.test_seal_code_choice import _checked_method
from tests.workflows.conftest import SEAL_PASSWORD, signatory
from workflows.envelopes.completion import envelope_complete
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.sending import envelope_send
from workflows.links import party_link_token
from workflows.models import Envelope, EnvelopeEvent, EnvelopeField, Party

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(world, approved_alpha):
    alpha = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    bravo = signatory("bravo", "Bravo Trading Co", 1)
    return alpha, bravo


def _document(alpha):
    with tenant_context(alpha.company):
        return document_upload(name="contract.pdf", data=make_pdf(2), acting_user=alpha.user)


def _sent(alpha, bravo) -> Envelope:
    """Through the services: Bravo seals first, then a person signs."""
    document = _document(alpha)
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
        envelope_field_add(party=company, page=1, x=100, y=80, acting_user=alpha.user)
        person = envelope_party_add(
            envelope=envelope, kind="person", name="张三", email="zhangsan@example.com", order=2, acting_user=alpha.user
        )
        envelope_field_add(party=person, page=1, x=300, y=80, acting_user=alpha.user)
        envelope_send(envelope=envelope, owner=alpha.company, acting_user=alpha.user)
    return envelope


def _route_of(company) -> EnvelopeRoute:
    return EnvelopeRoute.objects.get(party_company=company)


def _party(alpha, envelope, **filters) -> Party:
    with tenant_context(alpha.company):
        return Party.objects.get(envelope=envelope, **filters)


def test_owner_drafts_from_the_document_page_adds_parties_places_fields_and_sends(pair, tasks_run_here):
    alpha, bravo = pair
    document = _document(alpha)
    owner = client_on(alpha.company, alpha.user)

    page = owner.get(f"/documents/{document.pk}/").content.decode()
    assert f'href="/envelopes/new/?document={document.pk}"' in page
    form = owner.get(f"/envelopes/new/?document={document.pk}")
    assert form.status_code == 200
    assert 'value="contract"' in form.content.decode()  # the name defaults to the document's

    created = owner.post(
        f"/envelopes/new/?document={document.pk}",
        {
            "document": document.pk,
            "name": "Supply contract",
            "message": "Please seal.",
            "reminder_interval_days": "3",
            "send_final_to_all": "on",
        },
    )
    with tenant_context(alpha.company):
        envelope = Envelope.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/envelopes/{envelope.pk}/"
    assert (envelope.name, envelope.status, envelope.reminder_interval_days) == ("Supply contract", "draft", 3)

    url = f"/envelopes/{envelope.pk}/"
    assert (
        owner.post(
            f"{url}parties/",
            {"kind": "company", "uscc": bravo.company.uscc, "order": "1", "email": "owner@bravo.example"},
        ).status_code
        == 302
    )
    assert (
        owner.post(
            f"{url}parties/", {"kind": "person", "name": "张三", "order": "2", "email": "zhangsan@example.com"}
        ).status_code
        == 302
    )
    company = _party(alpha, envelope, kind="company")
    person = _party(alpha, envelope, kind="person")
    assert (company.name, company.company_id) == ("Bravo Trading Co", bravo.company.pk)

    draft = owner.get(url).content.decode()
    assert f'data-url="/envelopes/{envelope.pk}/parties/{company.pk}/fields/"' in draft
    assert "sealhub/envelope.js" in draft

    placed = owner.post(
        f"{url}parties/{company.pk}/fields/", {"page": "1", "x": "100", "y": "80"}, HTTP_ACCEPT="application/json"
    )
    assert placed.status_code == 201
    assert placed.json()["page"] == 1 and placed.json()["width"] == pytest.approx(42 * 72 / 25.4)
    assert owner.post(f"{url}parties/{person.pk}/fields/", {"page": "1", "x": "300", "y": "80"}).status_code == 302
    with tenant_context(alpha.company):
        assert EnvelopeField.objects.filter(party__envelope=envelope).count() == 2
    draft = owner.get(url).content.decode()
    with tenant_context(alpha.company):
        for field in EnvelopeField.objects.filter(party__envelope=envelope):
            assert f'"id": "{field.pk}"' in draft  # drawn on the page by the placement component

    mail.outbox.clear()
    review = owner.get(f"{url}review/").content.decode()  # sending goes through the review
    digest = re.search(r'name="review" value="([0-9a-f]{64})"', review).group(1)
    sent = owner.post(f"{url}send/", {"review": digest})
    assert sent.status_code == 302 and sent["Location"] == url
    with tenant_context(alpha.company):
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.IN_PROGRESS
        assert Party.objects.get(pk=company.pk).status == Party.Status.ACTIVE
        assert Party.objects.get(pk=person.pk).status == Party.Status.WAITING
    assert [message.to for message in mail.outbox] == [["owner@bravo.example"]]

    body = owner.get(url).content.decode()
    assert "Bravo Trading Co" in body and "envelope-field" in body
    assert f"/envelopes/{envelope.pk}/cancel/" in body and f"/envelopes/{envelope.pk}/remind/" in body
    assert "0/2" in owner.get("/envelopes/").content.decode()


def test_draft_errors_show_on_the_page(pair):
    alpha, _bravo = pair
    document = _document(alpha)
    with tenant_context(alpha.company):
        envelope = envelope_create(document=document, acting_user=alpha.user)
    owner = client_on(alpha.company, alpha.user, HTTP_ACCEPT_LANGUAGE="en")
    url = f"/envelopes/{envelope.pk}/"

    unknown = owner.post(f"{url}parties/", {"kind": "company", "uscc": "9131000012345", "email": "x@y.example"})
    assert unknown.status_code == 400
    assert "A unified social credit code has 18 characters; this one has 13." in unknown.content.decode()

    refused = owner.post(f"{url}send/", follow=True)
    assert refused.status_code == 200
    assert "Add at least one party who seals, signs or approves." in refused.content.decode()

    off_page = owner.post(
        f"{url}parties/00000000-0000-0000-0000-000000000000/fields/", {"page": "0", "x": "1", "y": "1"}
    )
    assert off_page.status_code == 404
    assert owner.get("/envelopes/new/?document=not-a-document").status_code == 404
    assert owner.get("/envelopes/new/").status_code == 404
    past = owner.post(f"/envelopes/new/?document={document.pk}", {"document": document.pk, "expires_at": "2001-01-01"})
    assert past.status_code == 400
    assert "The expiry date must be in the future and within a year." in past.content.decode()
    with tenant_context(alpha.company):
        assert Envelope.objects.count() == 1
        assert envelope.parties.count() == 0
        assert Envelope.objects.get().status == Envelope.Status.DRAFT


def test_party_company_seals_from_its_inbox_and_the_owner_sees_it_done(pair):
    alpha, bravo = pair
    envelope = _sent(alpha, bravo)
    route = _route_of(bravo.company)
    member = client_on(bravo.company, bravo.user, HTTP_ACCEPT_LANGUAGE="en")

    inbox = member.get("/envelopes/inbox/").content.decode()
    assert "Supply contract" in inbox and "Alpha Ltd" in inbox and f"/envelopes/inbox/{route.pk}/" in inbox

    page = member.get(f"/envelopes/inbox/{route.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="seal-form"' in body and 'id="decline-form"' in body
    assert f"/envelopes/inbox/{route.pk}/pages/0.png?w=900" in body
    assert "envelope-field mine" in body
    assert _party(alpha, envelope, kind="company").viewed_at is not None
    image = member.get(f"/envelopes/inbox/{route.pk}/pages/1.png?w=900")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert member.get(f"/envelopes/inbox/{route.pk}/pages/9.png?w=900").status_code == 404

    wrong_code = "000000" if totp_now(bravo.device, 1) != "000000" else "111111"
    wrong = member.post(
        f"/envelopes/inbox/{route.pk}/seal/",
        {"seal": bravo.seal.pk, "seal_password": SEAL_PASSWORD, "otp_method": "authenticator", "otp_code": wrong_code},
    )
    assert wrong.status_code == 400
    assert 'role="alert"' in wrong.content.decode()
    with tenant_context(alpha.company):
        assert not SigningGrant.objects.exists()

    sealed = member.post(
        f"/envelopes/inbox/{route.pk}/seal/",
        {
            "seal": bravo.seal.pk,
            "seal_password": SEAL_PASSWORD,
            "otp_method": "authenticator",
            "otp_code": totp_now(bravo.device, 1),
        },
    )
    assert sealed.status_code == 302
    job_id = re.search(r"\?job=([0-9a-f-]+)$", sealed["Location"]).group(1)
    assert member.get(f"/envelopes/inbox/{route.pk}/jobs/{job_id}/").json()["status"] == "pending"

    with tenant_context(alpha.company):
        version = document_seal_execute(grant_id=job_id)
    assert version.signature_count == 1
    assert member.get(f"/envelopes/inbox/{route.pk}/jobs/{job_id}/").json()["status"] == "done"
    assert _party(alpha, envelope, kind="company").status == Party.Status.COMPLETED
    assert _party(alpha, envelope, kind="person").status == Party.Status.ACTIVE

    owner = client_on(alpha.company, alpha.user, HTTP_ACCEPT_LANGUAGE="en")
    owner_page = owner.get(f"/envelopes/{envelope.pk}/").content.decode()
    assert re.search(r'badge ok">Done</span>\s*<small>[^<]*Bravo Trading Co', owner_page)
    assert "The audit trail is intact" in owner_page
    assert "1/2" in owner.get("/envelopes/").content.decode()
    after = member.get(f"/envelopes/inbox/{route.pk}/").content.decode()
    assert 'id="seal-form"' not in after  # nothing more to do for Bravo
    download = member.get(f"/envelopes/inbox/{route.pk}/document.pdf")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert member.get(f"/envelopes/inbox/{route.pk}/certificate.pdf").status_code == 404


def test_the_inbox_keeps_the_emailed_code_choice_through_reloads_and_errors(pair, django_capture_on_commit_callbacks):
    """A party's member without an authenticator confirms with an emailed code: the choice
    stays made after "Email me a code", a reload and a mistake, and the code then seals."""
    alpha, bravo = pair
    _sent(alpha, bravo)
    route = _route_of(bravo.company)
    AuthenticatorDevice.objects.filter(user=bravo.user).delete()
    member = client_on(bravo.company, bravo.user, HTTP_ACCEPT_LANGUAGE="en")
    base = f"/envelopes/inbox/{route.pk}"
    assert _checked_method(member.get(f"{base}/").content.decode()) == "email"  # no app: email first
    with django_capture_on_commit_callbacks(execute=True):
        assert member.post(f"{base}/seal/code/").status_code == 302
    code = last_code(bravo.user.email)
    for _reload in range(2):
        assert _checked_method(member.get(f"{base}/").content.decode()) == "email"
    form = {"seal": bravo.seal.pk, "seal_password": SEAL_PASSWORD, "otp_method": "email", "otp_code": code}
    for mistake in ({**form, "seal_password": "Wrong-pass-1"}, {**form, "otp_code": ""}):
        page = member.post(f"{base}/seal/", mistake)
        assert page.status_code == 400 and _checked_method(page.content.decode()) == "email"
        assert _checked_method(member.get(f"{base}/").content.decode()) == "email"
    sealed = member.post(f"{base}/seal/", form)
    assert sealed.status_code == 302 and "?job=" in sealed["Location"]


def test_decline_needs_a_reason_and_then_closes_the_envelope(pair):
    alpha, bravo = pair
    envelope = _sent(alpha, bravo)
    route = _route_of(bravo.company)
    member = client_on(bravo.company, bravo.user, HTTP_ACCEPT_LANGUAGE="en")
    with tenant_context(alpha.company):
        events_before = EnvelopeEvent.objects.filter(envelope=envelope).count()

    empty = member.post(f"/envelopes/inbox/{route.pk}/decline/", {"reason": "   "})
    assert empty.status_code == 400
    assert "This field is required." in empty.content.decode()
    with tenant_context(alpha.company):
        assert Envelope.objects.get(pk=envelope.pk).status == Envelope.Status.IN_PROGRESS
        assert Party.objects.get(envelope=envelope, kind="company").status == Party.Status.ACTIVE
        assert EnvelopeEvent.objects.filter(envelope=envelope).count() == events_before

    declined = member.post(f"/envelopes/inbox/{route.pk}/decline/", {"reason": "Price is wrong"})
    assert declined.status_code == 302
    with tenant_context(alpha.company):
        assert Envelope.objects.get(pk=envelope.pk).status == Envelope.Status.DECLINED
        assert Party.objects.get(envelope=envelope, kind="company").decline_reason == "Price is wrong"
    owner_page = client_on(alpha.company, alpha.user).get(f"/envelopes/{envelope.pk}/").content.decode()
    assert "Price is wrong" in owner_page


def test_owner_cancels_and_reminds_from_the_page(pair, tasks_run_here):
    alpha, bravo = pair
    envelope = _sent(alpha, bravo)
    owner = client_on(alpha.company, alpha.user)
    mail.outbox.clear()
    assert owner.post(f"/envelopes/{envelope.pk}/remind/").status_code == 302
    assert [message.to for message in mail.outbox] == [["owner@bravo.example"]]
    assert owner.post(f"/envelopes/{envelope.pk}/cancel/", {"reason": "Wrong version"}).status_code == 302
    with tenant_context(alpha.company):
        assert Envelope.objects.get(pk=envelope.pk).status == Envelope.Status.CANCELED
        assert EnvelopeEvent.objects.get(envelope=envelope, action="canceled").data == {"reason": "Wrong version"}
    assert _route_of(bravo.company).status == EnvelopeRoute.Status.CLOSED


def test_outsiders_get_404_and_nothing_changes(pair, world):
    alpha, bravo = pair
    envelope = _sent(alpha, bravo)
    route = _route_of(bravo.company)
    on_alpha = client_on(alpha.company, world.charlie)
    on_beta = client_on(world.beta, world.charlie)
    with tenant_context(alpha.company):
        events_before = EnvelopeEvent.objects.filter(envelope=envelope).count()

    assert on_alpha.get(f"/envelopes/{envelope.pk}/").status_code == 404
    assert on_alpha.post(f"/envelopes/{envelope.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert on_beta.get(f"/envelopes/{envelope.pk}/").status_code == 404
    assert on_beta.post(f"/envelopes/{envelope.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert on_beta.get(f"/envelopes/inbox/{route.pk}/").status_code == 404
    assert on_beta.get(f"/envelopes/inbox/{route.pk}/pages/0.png?w=900").status_code == 404
    assert on_beta.get(f"/envelopes/inbox/{route.pk}/document.pdf").status_code == 404
    assert on_beta.post(f"/envelopes/inbox/{route.pk}/decline/", {"reason": "Not mine"}).status_code == 404
    assert "Supply contract" not in on_beta.get("/envelopes/inbox/").content.decode()
    # The owner's own members do not see Bravo's inbox entry either.
    assert client_on(alpha.company, alpha.user).get(f"/envelopes/inbox/{route.pk}/").status_code == 404

    with tenant_context(alpha.company):
        assert Envelope.objects.get(pk=envelope.pk).status == Envelope.Status.IN_PROGRESS
        party = Party.objects.get(envelope=envelope, kind="company")
        assert (party.status, party.viewed_at, party.decline_reason) == (Party.Status.ACTIVE, None, "")
        assert EnvelopeEvent.objects.filter(envelope=envelope).count() == events_before


def test_pages_are_in_chinese_by_default_and_in_english_on_request(pair):
    alpha, bravo = pair
    envelope = _sent(alpha, bravo)
    route = _route_of(bravo.company)
    for client, url in [
        (client_on(alpha.company, alpha.user), "/envelopes/"),
        (client_on(alpha.company, alpha.user), f"/envelopes/{envelope.pk}/"),
        (client_on(bravo.company, bravo.user), f"/envelopes/inbox/{route.pk}/"),
    ]:
        body = client.get(url).content.decode()
        assert '<html lang="zh-hans">' in body and "文件" in body  # the nav's "Documents"
    inbox = client_on(bravo.company, bravo.user).get(f"/envelopes/inbox/{route.pk}/").content.decode()
    assert "盖章" in inbox  # "Seal the document"

    english = client_on(alpha.company, alpha.user, HTTP_ACCEPT_LANGUAGE="en")
    body = english.get("/envelopes/").content.decode()
    assert '<html lang="en">' in body and "Envelopes" in body and "Parties done" in body
    cookie = client_on(bravo.company, bravo.user)
    cookie.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = cookie.get(f"/envelopes/inbox/{route.pk}/").content.decode()
    assert '<html lang="en">' in body and "Seal the document" in body


def test_a_member_hands_the_turn_to_a_colleague(pair, tasks_run_here):
    from accounts.models import Membership, User
    from tests.conftest import PASSWORD

    alpha, bravo = pair
    colleague = User.objects.create_user("clerk@bravo.example", PASSWORD, full_name="Bravo clerk")
    Membership.objects.create(user=colleague, company=bravo.company, role=Membership.Role.MEMBER)
    envelope = _sent(alpha, bravo)
    route = _route_of(bravo.company)
    member = client_on(bravo.company, bravo.user)
    assert 'id="reassign-form"' in member.get(f"/envelopes/inbox/{route.pk}/").content.decode()

    outsider = member.post(f"/envelopes/inbox/{route.pk}/reassign/", {"colleague": str(alpha.user.pk)})
    assert outsider.status_code == 400
    assert _party(alpha, envelope, kind="company").email == "owner@bravo.example"

    mail.outbox.clear()
    handed = member.post(f"/envelopes/inbox/{route.pk}/reassign/", {"colleague": str(colleague.pk)})
    assert handed.status_code == 302
    assert _party(alpha, envelope, kind="company").email == "clerk@bravo.example"
    assert [message.to for message in mail.outbox] == [["clerk@bravo.example"]]
    with tenant_context(alpha.company):
        assert EnvelopeEvent.objects.get(envelope=envelope, action="reassigned").data == {
            "from": "owner@bravo.example",
            "to": "clerk@bravo.example",
        }


def test_owner_corrects_a_waiting_partys_email_and_removes_a_misplaced_field(pair):
    alpha, bravo = pair
    envelope = _sent(alpha, bravo)
    owner = client_on(alpha.company, alpha.user)
    person = _party(alpha, envelope, kind="person")
    assert (
        owner.post(f"/envelopes/{envelope.pk}/parties/{person.pk}/email/", {"email": "not-an-email"}).status_code == 302
    )
    assert _party(alpha, envelope, kind="person").email == "zhangsan@example.com"
    assert (
        owner.post(f"/envelopes/{envelope.pk}/parties/{person.pk}/email/", {"email": "zs@example.com"}).status_code
        == 302
    )
    assert _party(alpha, envelope, kind="person").email == "zs@example.com"

    document = _document(alpha)
    with tenant_context(alpha.company):
        draft = envelope_create(document=document, acting_user=alpha.user)
        party = envelope_party_add(
            envelope=draft, kind="company", email="owner@bravo.example", uscc=bravo.company.uscc, acting_user=alpha.user
        )
        field = envelope_field_add(party=party, page=0, x=100, y=80, acting_user=alpha.user)
    removed = owner.post(f"/envelopes/{draft.pk}/parties/{party.pk}/fields/{field.pk}/remove/")
    assert removed.status_code == 302
    with tenant_context(alpha.company):
        assert not EnvelopeField.objects.filter(party=party).exists()
    # A sent envelope's fields are fixed.
    sent_field = _party(alpha, envelope, kind="company")
    with tenant_context(alpha.company):
        fixed = EnvelopeField.objects.get(party_id=sent_field.pk)
    owner.post(f"/envelopes/{envelope.pk}/parties/{sent_field.pk}/fields/{fixed.pk}/remove/")
    with tenant_context(alpha.company):
        assert EnvelopeField.objects.filter(pk=fixed.pk).exists()


def test_completed_envelope_offers_the_final_pdf_and_certificate(pair):
    alpha, bravo = pair
    document = _document(alpha)
    with tenant_context(alpha.company):
        envelope = envelope_create(document=document, name="Supply contract", acting_user=alpha.user)
        party = envelope_party_add(
            envelope=envelope,
            kind="company",
            email="owner@bravo.example",
            uscc=bravo.company.uscc,
            acting_user=alpha.user,
        )
        envelope_field_add(party=party, page=0, x=100, y=80, acting_user=alpha.user)
        envelope_send(envelope=envelope, owner=alpha.company, acting_user=alpha.user)
    route = _route_of(bravo.company)
    owner = client_on(alpha.company, alpha.user)
    assert owner.get(f"/envelopes/{envelope.pk}/final.pdf").status_code == 404
    member = client_on(bravo.company, bravo.user)
    sealed = member.post(
        f"/envelopes/inbox/{route.pk}/seal/",
        {
            "seal": bravo.seal.pk,
            "seal_password": SEAL_PASSWORD,
            "otp_method": "authenticator",
            "otp_code": totp_now(bravo.device, 1),
        },
    )
    job_id = re.search(r"\?job=([0-9a-f-]+)$", sealed["Location"]).group(1)
    with tenant_context(alpha.company):
        document_seal_execute(grant_id=job_id)
        assert envelope_complete(envelope_id=envelope.pk).status == Envelope.Status.COMPLETED
        # Bravo's seal certified the document: a later seal is refused at placement, not in the worker.
        document.refresh_from_db()
        assert document.current_version.sealing_refusal == "certified_fields_only"
        assert document.current_version.prepared_fields is None

    page = owner.get(f"/envelopes/{envelope.pk}/").content.decode()
    assert f"/envelopes/{envelope.pk}/final.pdf" in page and f"/envelopes/{envelope.pk}/certificate.pdf" in page
    assert f"/envelopes/{envelope.pk}/cancel/" not in page
    for url in (f"/envelopes/{envelope.pk}/final.pdf", f"/envelopes/{envelope.pk}/certificate.pdf"):
        response = owner.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
    # Bravo's route ended with the envelope: its copies are in its own documents.
    assert member.get(f"/envelopes/inbox/{route.pk}/certificate.pdf").status_code == 404
    with tenant_context(bravo.company):
        from documents.models import Document

        assert Document.objects.filter(name="Supply contract-certificate.pdf").exists()
    with tenant_context(alpha.company):
        assert EnvelopeEvent.objects.filter(envelope=envelope, action="downloaded").count() == 2
    assert "1/1" in owner.get("/envelopes/").content.decode()


def _queries_for(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_pages_take_the_same_queries_however_many_envelopes(pair):
    alpha, bravo = pair
    _sent(alpha, bravo)
    owner, member = client_on(alpha.company, alpha.user), client_on(bravo.company, bravo.user)
    owner.get("/envelopes/"), member.get("/envelopes/inbox/")  # warm the session and caches
    sent_one, inbox_one = _queries_for(owner, "/envelopes/"), _queries_for(member, "/envelopes/inbox/")
    for _ in range(2):
        _sent(alpha, bravo)
    assert EnvelopeRoute.objects.filter(party_company=bravo.company).count() == 3
    assert _queries_for(owner, "/envelopes/") == sent_one
    assert _queries_for(member, "/envelopes/inbox/") == inbox_one


def test_a_draft_field_is_moved_and_resized_through_json_and_outsiders_change_nothing(pair, world):
    alpha, bravo = pair
    document = _document(alpha)
    owner = client_on(alpha.company, alpha.user)
    with tenant_context(alpha.company):
        draft = envelope_create(document=document, acting_user=alpha.user)
        company = envelope_party_add(
            envelope=draft, kind="company", email="owner@bravo.example", uscc=bravo.company.uscc, acting_user=alpha.user
        )
        person = envelope_party_add(
            envelope=draft, kind="person", name="张三", email="zhangsan@example.com", acting_user=alpha.user
        )
    placed = owner.post(
        f"/envelopes/{draft.pk}/parties/{company.pk}/fields/",
        {"page": "0", "x": "590", "y": "5", "centred": "true"},
        HTTP_ACCEPT="application/json",
    )
    assert placed.status_code == 201
    seal = placed.json()
    side = 42 * 72 / 25.4
    # A click at the corner centres the field there, kept on the page.
    assert (seal["x"], seal["y"], seal["width"]) == pytest.approx((595.2756 - side, 0, side), abs=0.01)
    assert seal["update_url"] == f"/envelopes/{draft.pk}/parties/{company.pk}/fields/{seal['id']}/update/"

    moved = owner.post(seal["update_url"], {"x": "100", "y": "200", "width": "150", "height": "10"})
    assert moved.status_code == 200
    # A seal keeps its proportions whatever height is sent; a signature takes both.
    assert (moved.json()["x"], moved.json()["y"], moved.json()["width"], moved.json()["height"]) == pytest.approx(
        (100, 200, 150, 150)
    )
    with tenant_context(alpha.company):
        signature = envelope_field_add(party=person, page=0, x=100, y=400, acting_user=alpha.user)
    url = f"/envelopes/{draft.pk}/parties/{person.pk}/fields/{signature.pk}/update/"
    assert owner.post(url, {"x": "120", "y": "410", "width": "200", "height": "40"}).json()["height"] == 40

    outside = owner.post(url, {"x": "500", "y": "410", "width": "200", "height": "40"})
    assert outside.status_code == 400 and outside.json()["detail"]
    assert owner.post(url, {"x": "nope"}).status_code == 400
    charlie = client_on(alpha.company, world.charlie).post(url, {"x": "0", "y": "0", "width": "100", "height": "40"})
    assert charlie.status_code == 404
    with tenant_context(alpha.company):
        kept = EnvelopeField.objects.get(pk=signature.pk)
    assert (kept.x, kept.y, kept.width, kept.height) == (120, 410, 200, 40)

    removed = owner.post(
        f"/envelopes/{draft.pk}/parties/{person.pk}/fields/{signature.pk}/remove/", HTTP_ACCEPT="application/json"
    )
    assert removed.status_code == 200 and removed.json() == {"deleted": True}
    with tenant_context(alpha.company):
        assert not EnvelopeField.objects.filter(pk=signature.pk).exists()


@pytest.mark.parametrize(("permission", "code"), [(2, "certified_fields_only"), (1, "certified_no_changes")])
def test_an_envelope_cannot_add_fields_to_a_certified_document(pair, permission, code):
    """The fields an envelope adds are new visible signature fields: refused when placed,
    and again when sending, before the certification could be voided."""
    alpha, bravo = pair
    data = certified_with_prepared_field(reportlab_pdf(1), permission=MDPPerm(permission))
    with tenant_context(alpha.company), translation.override("en"):
        document = document_upload(name="certified.pdf", data=data, acting_user=alpha.user)
        draft = envelope_create(document=document, acting_user=alpha.user)
        party = envelope_party_add(
            envelope=draft, kind="company", email="owner@bravo.example", uscc=bravo.company.uscc, acting_user=alpha.user
        )
        with pytest.raises(ApplicationError) as refused:
            envelope_field_add(party=party, page=0, x=100, y=500, acting_user=alpha.user)
        assert refused.value.code == f"document_{code}" and "certified" in refused.value.message
        assert not EnvelopeField.objects.filter(party=party).exists()
        with pytest.raises(ApplicationError) as not_sent:
            envelope_send(envelope=draft, owner=alpha.company, acting_user=alpha.user)
        assert not_sent.value.code in ("party_without_fields", f"document_{code}")
        assert document.versions.count() == 1


def test_a_party_reads_that_it_is_their_own_turn_in_chinese(pair, django_capture_on_commit_callbacks):
    """The viewer's own turn reads 轮到您 (your turn), not the status others see (轮到其处理)."""
    alpha, bravo = pair
    with django_capture_on_commit_callbacks(execute=True):
        envelope = _sent(alpha, bravo)
    route = _route_of(bravo.company)
    text = _text(client_on(bravo.company, bravo.user).get(f"/envelopes/inbox/{route.pk}/").content.decode())
    assert "您的部分 轮到您" in text and "轮到其处理" not in text
    # The person's turn comes after Bravo's: on the sign page Bravo is "their turn", the person waits.
    with tenant_context(alpha.company):
        Party.objects.filter(envelope=envelope, kind="company").update(status=Party.Status.COMPLETED)
        Party.objects.filter(envelope=envelope, kind="person").update(status=Party.Status.ACTIVE)
        token = party_link_token(Party.objects.get(envelope=envelope, kind="person"))
    sign = _text(client_on(None).get(f"/sign/{token}/").content.decode())
    assert re.search(r"张三 · [^·]+ · 轮到您 · 您", sign), sign
    assert "轮到其处理" not in sign


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
