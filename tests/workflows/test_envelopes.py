"""Envelopes through the services: A seals, B seals from its own company, person C signs
by link + email code, D seals; the PDF ends with four intact signatures, the first
certifying, and a document timestamp. Jobs run in-process here (the worker version is
test_envelopes_worker.py)."""

from __future__ import annotations

import datetime as dt
import io
import re
from datetime import timedelta

import pytest
from asn1crypto import x509 as asn1_x509
from django.core import mail
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel

from config.errors import ApplicationError
from documents.models import Document, SigningGrant
from documents.pdf.archive import newest_timestamp
from documents.pdf.lta import archive_proof
from documents.services.sealing import document_seal_execute
from documents.services.versions import document_upload
from documents.verification import document_verify, trust_roots
from tenants.models import EnvelopeRoute
from tests.conftest import totp_now
from tests.documents.pdfs import make_pdf
from tests.documents.test_sealing import _validation_context
from tests.workflows.conftest import SEAL_PASSWORD, TYPED_SIGNATURE
from workflows import cross_tenant
from workflows.envelopes.completion import envelope_complete
from workflows.envelopes.deadlines import envelope_cancel, envelope_completions_requeue
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.sending import envelope_send
from workflows.envelopes.trail import envelope_events_verify
from workflows.links import party_link_token
from workflows.models import Envelope, EnvelopeEvent, Party

pytestmark = pytest.mark.django_db


def _draft(a, b, d, *, pages=2):
    with tenant_context(a.company):
        document = document_upload(name="contract.pdf", data=make_pdf(pages), acting_user=a.user)
        envelope = envelope_create(
            document=document, name="Supply contract", message="Please seal.", acting_user=a.user
        )
        last = pages - 1
        for order, (kind, who, email, uscc, x) in enumerate(
            [
                ("company", "", "alice@alpha.example", a.company.uscc, 60),
                ("company", "", "owner@bravo.example", b.company.uscc, 200),
                ("person", "张三", "zhangsan@example.com", "", 340),
                ("company", "", "owner@delta.example", d.company.uscc, 420),
            ],
            start=1,
        ):
            party = envelope_party_add(
                envelope=envelope, kind=kind, name=who, email=email, uscc=uscc, order=order, acting_user=a.user
            )
            envelope_field_add(
                party=party, page=last, x=x, y=80, width=100 if kind == "company" else None, acting_user=a.user
            )
    return envelope


def _run_jobs(owner, callbacks):
    """Run what the requests queued, in the owner's schema, like the worker would."""
    for callback in callbacks:
        callback()


def _execute_grant(owner, grant_id):
    with tenant_context(owner):
        return document_seal_execute(grant_id=grant_id)


def _company_seals(signer, route, step=1):
    return cross_tenant.company_party_seal(
        route=route,
        company=signer.company,
        user=signer.user,
        seal_id=signer.seal.pk,
        seal_password=SEAL_PASSWORD,
        otp_method="authenticator",
        otp_code=totp_now(signer.device, step),
    )


def _route(party_company, owner):
    return cross_tenant.route_get_for_company(
        company=party_company,
        route_id=EnvelopeRoute.objects.get(owner=owner, party_company=party_company).pk,
    )


def test_four_parties_seal_and_sign_in_order(cast, django_capture_on_commit_callbacks, tasks_run_here):
    a, b, d = cast
    envelope = _draft(a, b, d)
    with tenant_context(a.company):
        envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
        person = Party.objects.get(envelope=envelope, kind="person")

    # A's own turn: it acts from its inbox like any party company.
    grant = _company_seals(a, _route(a.company, a.company))
    version = _execute_grant(a.company, grant["id"])
    assert version.signature_count == 1

    # C cannot act before B.
    token = _person_token(a.company, person)
    person_route = cross_tenant.route_get_for_token(token=token)
    with pytest.raises(ApplicationError) as early:
        cross_tenant.person_code_send(route=person_route)
    assert early.value.code == "not_your_turn"

    grant = _company_seals(b, _route(b.company, a.company), step=1)
    _execute_grant(a.company, grant["id"])

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cross_tenant.person_code_send(route=person_route)
    code = _code_from_mail()
    with pytest.raises(ApplicationError) as wrong:
        cross_tenant.person_code_check(route=person_route, code="000000" if code != "000000" else "111111")
    assert wrong.value.code == "code_invalid"
    cross_tenant.person_code_check(route=person_route, code=code)
    grant = cross_tenant.person_sign(route=person_route, signature=TYPED_SIGNATURE)
    _execute_grant(a.company, grant["id"])

    grant = _company_seals(d, _route(d.company, a.company), step=1)
    with tenant_context(a.company), django_capture_on_commit_callbacks(execute=False) as queued:
        document_seal_execute(grant_id=grant["id"])
    assert len(queued) >= 1  # completion is queued once the last party's job commits
    # That queued completion is lost here, as in a broker outage: the beat's sweep finds it,
    # also when a copy recipient (who never acts) is among the parties.
    with tenant_context(a.company):
        Party.objects.create(
            envelope=envelope, kind=Party.Kind.COPY, name="Archive", email="archive@example.com", order=9
        )
        assert envelope_completions_requeue() == 0  # too recent to call it lost
        with django_capture_on_commit_callbacks(execute=True):
            assert envelope_completions_requeue(older_than=timedelta(0)) == 1
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.COMPLETED
        assert envelope_complete(envelope_id=envelope.pk).final_version == envelope.final_version  # safe twice
        assert envelope_completions_requeue(older_than=timedelta(0)) == 0
        assert envelope_events_verify(envelope=envelope) == (True, None)
        with envelope.final_version.file.open("rb") as handle:
            final = handle.read()

    assert_four_signatures_then_timestamp(final, a.company)
    # B-LT by default: the final document is B-LTA, its archive timestamp due for renewal
    # before the TSA certificate expires.
    assert envelope.final_version.archive_renew_by == newest_timestamp(final).tsa_not_after
    assert newest_timestamp(final).archive

    # Copies in B's and D's own documents (not in A's inbox twice).
    for signer in (b, d):
        with tenant_context(signer.company):
            received = Document.objects.get(name="Supply contract.pdf")
            assert received.current_version.kind == "received"
            assert received.current_version.sha256 == envelope.final_version.sha256


def _person_token(owner, party):
    with tenant_context(owner):
        return party_link_token(Party.objects.get(pk=party.pk))


def _code_from_mail() -> str:
    (message,) = mail.outbox
    return re.search(r"\b(\d{6})\b", message.subject).group(1)


def test_a_decline_closes_the_envelope_and_nobody_else_can_act(cast, django_capture_on_commit_callbacks):
    a, b, d = cast
    envelope = _draft(a, b, d)
    with tenant_context(a.company):
        envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
    _execute_grant(a.company, _company_seals(a, _route(a.company, a.company))["id"])
    route_b = _route(b.company, a.company)
    with pytest.raises(ApplicationError) as missing:
        cross_tenant.company_party_decline(route=route_b, company=b.company, user=b.user, reason="  ")
    assert missing.value.code == "reason_missing"
    cross_tenant.company_party_decline(route=route_b, company=b.company, user=b.user, reason="Price is wrong")
    with tenant_context(a.company):
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.DECLINED
        assert Party.objects.get(envelope=envelope, company_id=b.company.pk).decline_reason == "Price is wrong"
        assert envelope_events_verify(envelope=envelope) == (True, None)
        versions_before = envelope.document.versions.count()
    with pytest.raises(ApplicationError) as closed:
        _company_seals(
            d,
            cross_tenant.route_get_for_company(
                company=d.company, route_id=EnvelopeRoute.objects.get(party_company=d.company).pk
            ),
        )
    assert closed.value.code in ("not_found", "envelope_closed")
    with tenant_context(a.company):
        assert envelope.document.versions.count() == versions_before
        assert not SigningGrant.objects.filter(
            envelope_party_id__in=envelope.parties.filter(company_id=d.company.pk).values("pk")
        ).exists()


def test_a_tampered_audit_event_breaks_the_chain(cast):
    a, b, d = cast
    envelope = _draft(a, b, d)
    with tenant_context(a.company):
        envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
        envelope_cancel(envelope=envelope, reason="Wrong version", acting_user=a.user)
        assert envelope_events_verify(envelope=envelope) == (True, None)
        EnvelopeEvent.objects.filter(envelope=envelope, action="sent").update(actor_label="someone else")
        ok, broken_at = envelope_events_verify(envelope=envelope)
        assert not ok and broken_at == EnvelopeEvent.objects.get(envelope=envelope, action="sent").sequence


def test_another_company_cannot_open_the_route(cast, world):
    a, b, d = cast
    envelope = _draft(a, b, d)
    with tenant_context(a.company):
        envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
    route_b = EnvelopeRoute.objects.get(party_company=b.company)
    with pytest.raises(ApplicationError) as denied:
        cross_tenant.route_get_for_company(company=world.beta, route_id=route_b.pk)
    assert denied.value.status == 404
    with pytest.raises(ApplicationError):
        cross_tenant.route_get_for_token(token="forged-token")


def assert_four_signatures_then_timestamp(final: bytes, owner) -> None:
    """A certifies, B and D seal, person C signs; an archive timestamp closes the file.
    Every signature is intact and trusted and only fields were filled after it."""
    from pyhanko.sign.validation import validate_pdf_timestamp

    reader = PdfFileReader(io.BytesIO(final))
    signatures = reader.embedded_regular_signatures
    assert len(signatures) == 4
    assert signatures[0].docmdp_level is not None  # A certifies
    assert [s.docmdp_level for s in signatures[1:]] == [None, None, None]
    names = [s.signer_cert.subject.native.get("organization_name") for s in signatures]
    assert names == ["Alpha Ltd", "Bravo Trading Co", None, "Delta Works"]
    assert signatures[2].signer_cert.subject.native["common_name"] == "张三"
    for signature in signatures:
        status = validate_pdf_signature(signature, _validation_context())
        assert status.intact and status.valid and status.trusted
        assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        assert status.docmdp_ok
        # Later parties only filled their own fields; the closing timestamp is an LTA update.
        assert status.modification_level.name in ("NONE", "FORM_FILLING", "LTA_UPDATES")
    (timestamp,) = reader.embedded_timestamp_signatures
    stamp_status = validate_pdf_timestamp(timestamp, validation_context=_validation_context())
    # B-LTA: the archive timestamp covers everything but the validation data added for it.
    assert stamp_status.intact and stamp_status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert stamp_status.modification_level.name == "LTA_UPDATES"
    with tenant_context(owner):
        report = document_verify(data=final)
    assert report.verdict == "valid", report
    # Two months on, offline, pyHanko's AdES LTA validation proves every party's signature
    # through the archive timestamp (the verifier's report says so today).
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=60)
    roots = [asn1_x509.Certificate.load(der) for der in trust_roots()]
    assert [archive_proof(s, roots, at=later).valid for s in signatures] == [True] * 4
    assert [s.archive_proof for s in report.signatures if s.kind == "signature"] == [True] * 4
