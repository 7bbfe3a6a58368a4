"""A party sees the owner's document only through its own envelope, only while that
envelope is open and it is still the party: then only the versions that envelope
produced. Afterwards (completed, canceled, declined, expired, the place given to someone
else) every inbox URL, API endpoint and signing link answers 404 and shows nothing of
the document, not even of versions the owner added later through other envelopes."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from config.errors import ApplicationError
from documents.models import Document, DocumentVersion, SigningGrant
from documents.pdf.inspect import inspect_pdf
from documents.services.sealing import document_seal_execute
from documents.services.versions import document_upload, document_version_create
from events.models import AuditEvent
from tenants.models import EnvelopeRoute
from tenants.services import api_key_create
from tests.conftest import client_on, totp_now
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import SEAL_PASSWORD, TYPED_SIGNATURE_FORM
from workflows import cross_tenant
from workflows.envelopes.completion import envelope_complete
from workflows.envelopes.deadlines import envelope_cancel, envelope_deadlines_run
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.sending import envelope_party_email_correct, envelope_send
from workflows.links import party_link_token
from workflows.models import Envelope, EnvelopeEvent, Party

pytestmark = pytest.mark.django_db

END_STATES = ["canceled", "completed", "declined", "expired", "reassigned"]


def _document(owner):
    with tenant_context(owner.company):
        return document_upload(name="contract.pdf", data=make_pdf(2), acting_user=owner.user)


def _envelope(owner, document, parties, *, name="Supply contract") -> Envelope:
    """Sent, with `parties` = [(kind, order, uscc or "", name, email, x)], each with a field on page 1."""
    with tenant_context(owner.company):
        envelope = envelope_create(document=Document.objects.get(pk=document.pk), name=name, acting_user=owner.user)
        for kind, order, uscc, who, email, x in parties:
            party = envelope_party_add(
                envelope=envelope, kind=kind, order=order, uscc=uscc, name=who, email=email, acting_user=owner.user
            )
            envelope_field_add(party=party, page=1, x=x, y=80, acting_user=owner.user)
        envelope_send(envelope=envelope, owner=owner.company, acting_user=owner.user)
    return envelope


def _company(signer, order, x):
    return ("company", order, signer.company.uscc, "", signer.user.email, x)


def _seal_in_inbox(signer, route, step=1) -> str:
    member = client_on(signer.company, signer.user)
    sealed = member.post(
        f"/envelopes/inbox/{route.pk}/seal/",
        {
            "seal": signer.seal.pk,
            "seal_password": SEAL_PASSWORD,
            "otp_method": "authenticator",
            "otp_code": totp_now(signer.device, step),
        },
    )
    assert sealed.status_code == 302, sealed.content.decode()[:500]
    return re.search(r"\?job=([0-9a-f-]+)$", sealed["Location"]).group(1)


def _api(signer):
    with tenant_context(signer.company):
        _key, raw = api_key_create(
            company=signer.company, name="ERP", acting_user=signer.user, scopes=["documents", "seals", "envelopes"]
        )
    return client_on(signer.company, HTTP_AUTHORIZATION=f"Api-Key {raw}", HTTP_ACCEPT_LANGUAGE="en")


def _shows_nothing(response) -> None:
    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert not response.content.startswith(b"%PDF") and b"\x89PNG" not in response.content[:8]
    assert response.get("Content-Type", "").split(";")[0] not in ("application/pdf", "image/png")


def _every_inbox_url_is_gone(signer, route, job_id, *, closed=True) -> None:
    member = client_on(signer.company, signer.user, HTTP_ACCEPT_LANGUAGE="en")
    base = f"/envelopes/inbox/{route.pk}"
    for url in (
        f"{base}/",
        f"{base}/document.pdf",
        f"{base}/certificate.pdf",
        f"{base}/pages/0.png?w=900",
        f"{base}/pages/1.png?w=900",
        f"{base}/jobs/{job_id}/",
    ):
        _shows_nothing(member.get(url))
    page = member.get(f"{base}/").content.decode()  # the reason, and nothing of the envelope
    assert "This envelope is no longer open to your company." in page and "Supply contract" not in page
    seal = {
        "seal": signer.seal.pk,
        "seal_password": SEAL_PASSWORD,
        "otp_method": "authenticator",
        "otp_code": totp_now(signer.device, 2),
    }
    _shows_nothing(member.post(f"{base}/seal/", seal))
    _shows_nothing(member.post(f"{base}/seal/code/"))
    _shows_nothing(member.post(f"{base}/decline/", {"reason": "Too late"}))
    _shows_nothing(member.post(f"{base}/reassign/", {"colleague": str(signer.user.pk)}))
    if closed:  # the inbox still lists the envelope, without a way into it
        listing = member.get("/envelopes/inbox/").content.decode()
        assert "Supply contract" in listing and f"{base}/" not in listing

    api = _api(signer)
    base = f"/api/v1/inbox/{route.pk}"
    for url in (f"{base}/", f"{base}/document/", f"{base}/document/?file=certificate", f"{base}/jobs/{job_id}/"):
        response = api.get(url)
        _shows_nothing(response)
        assert response.json()["type"] == "not_found"
    seal = {
        "seal_id": str(signer.seal.pk),
        "seal_password": SEAL_PASSWORD,
        "otp_method": "authenticator",
        "otp_code": totp_now(signer.device, 3),
    }
    for url, body in ((f"{base}/seal/", seal), (f"{base}/decline/", {"reason": "Too late"})):
        response = api.post(url, json.dumps(body), content_type="application/json")
        _shows_nothing(response)
        assert response.json()["type"] == "not_found"
        assert "no longer open" in response.json()["detail"]
    if closed:
        entries = api.get("/api/v1/inbox/").json()["results"]
        assert [(entry["id"], entry["ended"]) for entry in entries] == [(str(route.pk), True)]


def _snapshot(owner, envelope) -> tuple:
    with tenant_context(owner.company):
        return (
            list(EnvelopeEvent.objects.filter(envelope_id=envelope.pk).values_list("action", flat=True)),
            list(Party.objects.filter(envelope_id=envelope.pk).values_list("status", "email", "company_id")),
            SigningGrant.objects.count(),
            DocumentVersion.objects.count(),
        )


@pytest.mark.parametrize("end", END_STATES)
def test_a_party_whose_envelope_ended_reads_nothing_of_the_owners_document(cast, end, tasks_run_here):
    alpha, bravo, delta = cast
    document = _document(alpha)
    envelope = _envelope(alpha, document, [_company(bravo, 1, 100)])
    route = EnvelopeRoute.objects.get(party_company=bravo.company)
    member = client_on(bravo.company, bravo.user)
    assert member.get(f"/envelopes/inbox/{route.pk}/").status_code == 200  # while open: its turn
    assert member.get(f"/envelopes/inbox/{route.pk}/document.pdf").status_code == 200
    job_id = str(uuid.uuid4())

    with tenant_context(alpha.company):
        if end == "canceled":
            envelope_cancel(envelope=envelope, reason="Wrong version", acting_user=alpha.user)
        elif end == "expired":
            Envelope.objects.filter(pk=envelope.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        elif end == "reassigned":  # the owner's record now names another company for this place
            Party.objects.filter(envelope=envelope).update(company_id=delta.company.pk)
    if end == "declined":
        assert member.post(f"/envelopes/inbox/{route.pk}/decline/", {"reason": "Price"}).status_code == 302
    if end == "completed":
        job_id = _seal_in_inbox(bravo, route)
        with tenant_context(alpha.company):
            document_seal_execute(grant_id=job_id)
            assert envelope_complete(envelope_id=envelope.pk).status == Envelope.Status.COMPLETED
    route.refresh_from_db()
    # Past its date the envelope is closed to the party even before the beat job closes it;
    # a place the owner's record gives to another company is closed to the route's company
    # (the inbox list, in the platform's schema, cannot know that one).
    _every_inbox_url_is_gone(bravo, route, job_id, closed=end not in ("expired", "reassigned"))

    if end == "expired":
        with tenant_context(alpha.company):
            assert envelope_deadlines_run()["expired"] == 1
    if end == "completed":
        # Bravo's seal certified the document: the fields of another envelope would void it.
        with pytest.raises(ApplicationError) as refused:
            _envelope(alpha, document, [_company(delta, 2, 300)], name="Addendum")
        assert refused.value.code == "document_certified_fields_only"
    elif end != "reassigned":
        # The owner goes on: another envelope on the same document, sealed by Delta.
        later = _envelope(alpha, document, [_company(delta, 2, 300)], name="Addendum")
        job = _seal_in_inbox(delta, EnvelopeRoute.objects.get(envelope_id=later.pk))
        with tenant_context(alpha.company):
            document_seal_execute(grant_id=job)
            assert Document.objects.get(pk=document.pk).current_version.signature_count >= 1
    before = _snapshot(alpha, envelope)
    _every_inbox_url_is_gone(bravo, route, job_id, closed=end != "reassigned")
    assert _snapshot(alpha, envelope) == before  # refused requests acted on nothing
    with tenant_context(alpha.company):
        refused = AuditEvent.objects.filter(action="envelope.party_refused")
        assert refused.exists() and refused.first().data["envelope"] == "Supply contract"

    if end == "completed":  # what Bravo keeps is the copy it received, in its own documents
        with tenant_context(alpha.company):
            final_sha256 = Envelope.objects.get(pk=envelope.pk).final_version.sha256
        with tenant_context(bravo.company):
            copy = Document.objects.get(name="Supply contract.pdf")
            assert copy.current_version.kind == "received" and copy.current_version.sha256 == final_sha256
            assert Document.objects.filter(name="Supply contract-certificate.pdf").exists()
        documents = client_on(bravo.company, bravo.user).get("/documents/").content.decode()
        assert "Supply contract.pdf" in documents


def test_while_open_the_route_shows_only_the_versions_of_its_own_envelope(cast):
    alpha, bravo, delta = cast
    document = _document(alpha)
    envelope = _envelope(alpha, document, [_company(bravo, 1, 100), _company(delta, 2, 300)])
    route = EnvelopeRoute.objects.get(party_company=bravo.company)
    job = _seal_in_inbox(bravo, route)
    with tenant_context(alpha.company):
        own = document_seal_execute(grant_id=job)
        with own.file.open("rb") as handle:
            own_bytes = handle.read()
        # A version the envelope did not make lands on the owner's document (any path:
        # a race, a repair, a future feature): three pages, no seal of this envelope.
        outside_data = make_pdf(3, text="Side letter")
        outside = document_version_create(
            document=Document.objects.get(pk=document.pk),
            number=own.number + 1,
            kind="sealed",
            data=outside_data,
            info=inspect_pdf(outside_data),
            label="elsewhere",
        )
        assert Envelope.objects.get(pk=envelope.pk).status == Envelope.Status.IN_PROGRESS

    member = client_on(bravo.company, bravo.user, HTTP_ACCEPT_LANGUAGE="en")
    page = member.get(f"/envelopes/inbox/{route.pk}/").content.decode()
    assert f"v{own.number}" in page and own.sha256 in page
    assert outside.sha256 not in page and "/pages/2.png" not in page
    download = member.get(f"/envelopes/inbox/{route.pk}/document.pdf")
    assert download.status_code == 200 and download.content == own_bytes
    assert member.get(f"/envelopes/inbox/{route.pk}/pages/2.png?w=900").status_code == 404
    image = member.get(f"/envelopes/inbox/{route.pk}/pages/0.png?w=900")
    assert image.status_code == 200
    with tenant_context(alpha.company):
        from django.core.files.storage import default_storage

        from documents.services.previews import document_page_preview_path

        with default_storage.open(document_page_preview_path(version=own, page=0, width=900), "rb") as handle:
            assert image.content == handle.read()

    api = _api(bravo)
    detail = api.get(f"/api/v1/inbox/{route.pk}/").json()
    assert (detail["version_number"], detail["version_sha256"], detail["page_count"]) == (own.number, own.sha256, 2)
    assert api.get(f"/api/v1/inbox/{route.pk}/document/").content == own_bytes

    # Delta, whose turn it now is, sees Bravo's seal (this envelope's) but not the outsider.
    delta_route = EnvelopeRoute.objects.get(party_company=delta.company)
    delta_download = client_on(delta.company, delta.user).get(f"/envelopes/inbox/{delta_route.pk}/document.pdf")
    assert delta_download.content == own_bytes


# --- persons by link ------------------------------------------------------------------


def _verified_browser(token):
    browser = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    mail.outbox.clear()
    assert browser.post(f"/sign/{token}/code/").status_code == 302
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject).group(1)
    assert browser.post(f"/sign/{token}/verify/", {"code": code}).status_code == 302
    assert browser.get(f"/sign/{token}/pages/0.png").status_code == 200
    assert browser.get(f"/sign/{token}/file/").content.startswith(b"%PDF")
    return browser


def _link_shows_nothing(browser, token, job_id) -> None:
    page = browser.get(f"/sign/{token}/")
    _shows_nothing(page)
    body = page.content.decode()
    assert "no longer available" in body
    assert "Supply contract" not in body and "/pages/" not in body and "/file/" not in body
    for url in (
        f"/sign/{token}/pages/0.png",
        f"/sign/{token}/pages/1.png?w=900",
        f"/sign/{token}/file/",
        f"/sign/{token}/file/?file=certificate",
        f"/sign/{token}/jobs/{job_id}/",
    ):
        _shows_nothing(browser.get(url))
    for url, data in (
        (f"/sign/{token}/code/", {}),
        (f"/sign/{token}/verify/", {"code": "123456"}),
        (f"/sign/{token}/submit/", {}),
        (f"/sign/{token}/decline/", {"reason": "x"}),
    ):
        _shows_nothing(browser.post(url, data))


@pytest.mark.parametrize("end", END_STATES)
def test_a_persons_link_of_an_ended_envelope_shows_nothing(
    cast, end, django_capture_on_commit_callbacks, tasks_run_here
):
    alpha, bravo, delta = cast
    document = _document(alpha)
    envelope = _envelope(alpha, document, [("person", 1, "", "张三", "zhangsan@example.com", 300)])
    with tenant_context(alpha.company):
        person = Party.objects.get(envelope=envelope)
        token = party_link_token(person)
    with django_capture_on_commit_callbacks(execute=True):
        browser = _verified_browser(token)
    job_id = str(uuid.uuid4())

    with tenant_context(alpha.company):
        if end == "canceled":
            envelope_cancel(envelope=envelope, reason="Wrong version", acting_user=alpha.user)
        elif end == "expired":
            Envelope.objects.filter(pk=envelope.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        elif end == "reassigned":
            envelope_party_email_correct(party=person, email="zhang.san@example.com", acting_user=alpha.user)
    if end == "declined":
        assert browser.post(f"/sign/{token}/decline/", {"reason": "Not mine"}).status_code == 302
    if end == "completed":
        assert browser.post(f"/sign/{token}/submit/", TYPED_SIGNATURE_FORM).status_code == 302
        with tenant_context(alpha.company):
            job_id = str(SigningGrant.objects.get(envelope_party_id=person.pk).pk)
            document_seal_execute(grant_id=job_id)
            assert envelope_complete(envelope_id=envelope.pk).status == Envelope.Status.COMPLETED
    before = _snapshot(alpha, envelope)
    _link_shows_nothing(browser, token, job_id)
    assert _snapshot(alpha, envelope) == before


def test_the_door_refuses_in_the_services_too(cast):
    """Code that holds a route object (not only the views) cannot read past the door."""
    alpha, bravo, delta = cast
    document = _document(alpha)
    envelope = _envelope(alpha, document, [_company(bravo, 1, 100)])
    route = cross_tenant.route_get_for_company(
        company=bravo.company, route_id=EnvelopeRoute.objects.get(party_company=bravo.company).pk
    )
    with tenant_context(alpha.company):
        envelope_cancel(envelope=envelope, reason="Wrong version", acting_user=alpha.user)
    from config.errors import ApplicationError

    for read in (
        lambda: cross_tenant.party_view(route=route),
        lambda: cross_tenant.party_file(route=route, which="document", actor_label="x"),
        lambda: cross_tenant.party_page_image(route=route, page=0, width=900),
        lambda: cross_tenant.party_job(route=route, job_id=uuid.uuid4()),
        lambda: cross_tenant.company_party_decline(route=route, company=bravo.company, user=bravo.user, reason="x"),
    ):
        with pytest.raises(ApplicationError) as refused:
            read()
        assert (refused.value.status, refused.value.code) == (404, "not_found")
