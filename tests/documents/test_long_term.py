"""PAdES B-LT: every seal carries its chains and revocation data (fetched from the platform's
own OCSP responder over HTTP when it was sealed), so it validates later with the network
switched off: at its timestamp's time (the proof that it existed then), after the seal
certificate expired, and after the seal was revoked later than the timestamp."""

from __future__ import annotations

import datetime as dt
import io
import socket
from collections.abc import Iterator

import pytest
import requests
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore

from accounts.models import User
from documents.models import SigningGrant
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.versions import document_upload
from seals import pki
from seals.models import Seal
from seals.services import seal_application_approve, seal_application_submit, seal_status_change
from tenants.models import Company
from tests.conftest import enrol_authenticator, totp_now
from tests.documents.pdfs import make_pdf
from tests.seals.conftest import licence
from tests.workflows.conftest import committed_cleanup

SEAL_PASSWORD = "Seal-pass-2026"


def issue_seal(company, user) -> Seal:
    application = seal_application_submit(
        company=company,
        applicant=user,
        seal_type="contract",
        seal_name=company.name,
        seal_password=SEAL_PASSWORD,
        business_licence=licence(),
    )
    return seal_application_approve(application=application, acting_user=user)


def seal_grant(company, user, seal) -> SigningGrant:
    """A confirmed request to seal a fresh one-page document (the job not run yet)."""
    device, _codes = enrol_authenticator(user)
    with tenant_context(company):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=user)
        placement_add(document=document, company=company, seal_id=seal.pk, page=0, x=380, y=80, acting_user=user)
        return document_seal_request(
            document=document,
            company=company,
            seal_id=seal.pk,
            user=user,
            seal_password=SEAL_PASSWORD,
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
        )


def seal_document(company, user, seal) -> bytes:
    grant = seal_grant(company, user, seal)
    with tenant_context(company):
        version = document_seal_execute(grant_id=grant.pk)
        assert SigningGrant.objects.get(pk=grant.pk).status == "done"
        with version.file.open("rb") as handle:
            return handle.read()


@pytest.fixture
def network_off(monkeypatch):
    """No socket may connect: validation must use what the file carries."""

    def refuse(*args, **kwargs):
        raise OSError("network access is disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def _root() -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(pki.certificate(pki.Role.ROOT).public_bytes(serialization.Encoding.DER))


def timestamp_time(signature) -> dt.datetime:
    token = find_unique_cms_attribute(signature.signer_info["unsigned_attrs"], "signature_time_stamp_token")
    return token["content"]["encap_content_info"]["content"].parsed["gen_time"].native


def validate_from_file(data: bytes, *, signer_moment=None):
    """pyHanko over the file's DSS only (no fetching), revocation data required for every
    certificate; the signer judged at `signer_moment` (default: its timestamp's time, the
    proof of existence), the timestamp at its own time; revocation data issued after that
    moment counts for it (retroactive: B-LT data is gathered just after signing)."""
    reader = PdfFileReader(io.BytesIO(data))
    signature = reader.embedded_signatures[0]
    store = DocumentSecurityStore.read_dss(reader)
    at_timestamp = timestamp_time(signature)

    def context(moment):
        return store.as_validation_context(
            {
                "trust_roots": [_root()],
                "allow_fetching": False,
                "revocation_mode": "require",
                "moment": moment,
                "retroactive_revinfo": True,
            }
        )

    return store, validate_pdf_signature(
        signature,
        signer_validation_context=context(signer_moment or at_timestamp),
        ts_validation_context=context(at_timestamp),
    )


def _not_after(seal: Seal) -> dt.datetime:
    return x509.load_pem_x509_certificate(seal.certificate_pem.encode()).not_valid_after_utc


@pytest.mark.django_db
def test_a_sealed_document_validates_long_term_offline(world, approved_alpha, network_off_later):
    seal = issue_seal(approved_alpha, world.alice)
    certificate = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
    access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [a.access_location.value for a in access] == [pki.ocsp_url()]
    points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [p.full_name[0].value for p in points] == [pki.crl_url()]
    signed = seal_document(approved_alpha, world.alice, seal)

    network_off_later()
    store, status = validate_from_file(signed)
    assert status.bottom_line and status.trusted and not status.revoked
    assert status.timestamp_validity.valid and status.timestamp_validity.trusted
    # The DSS holds the seal's chain and the TSA's, and an OCSP answer for each certificate below the root.
    certificates = [asn1_x509.Certificate.load(ref.get_object().data) for ref in store.certs.values()]
    subjects = {c.subject.native["common_name"] for c in certificates}
    assert {"Alpha Ltd", "Sealhub Seal CA", "Sealhub Timestamp Authority", "Sealhub Root CA"} <= subjects
    assert len(store.ocsps) >= 3
    # Judged long after the certificate expired, it is valid on the proof of the timestamp:
    # the verdict above used only the file and the timestamp's time, never today's date.
    expired = _not_after(seal) + dt.timedelta(days=30)
    assert timestamp_time(PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]) < _not_after(seal)
    # ...while the same file judged at that later moment without that proof is not.
    assert not validate_from_file(signed, signer_moment=expired)[1].bottom_line


@pytest.fixture
def network_off_later(monkeypatch):
    """Call it to switch the network off from then on (sealing itself needs the live server)."""

    def switch_off():
        def refuse(*args, **kwargs):
            raise OSError("network access is disabled in this test")

        monkeypatch.setattr(socket.socket, "connect", refuse)
        monkeypatch.setattr(socket.socket, "connect_ex", refuse)

    return switch_off


# --- revocation through the live OCSP responder (data committed for its threads) ------------


@pytest.fixture
def committed_alpha(django_db_blocker) -> Iterator[tuple[Company, User]]:
    with django_db_blocker.unblock():
        company = Company.objects.get(slug="alpha")
        Company.objects.filter(pk=company.pk).update(verification=Company.Verification.APPROVED)
        company.refresh_from_db()
        try:
            yield company, User.objects.get(email="alice@alpha.example")
        finally:
            committed_cleanup(company, [])


def ocsp_ask(certificate: x509.Certificate, issuer: x509.Certificate) -> ocsp.OCSPResponse:
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256()).build()
    response = requests.post(
        pki.ocsp_url(),
        data=request.public_bytes(serialization.Encoding.DER),
        headers={"Content-Type": "application/ocsp-request", "Connection": "close"},
        timeout=10,
    )
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/ocsp-response"
    answer = ocsp.load_der_ocsp_response(response.content)
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    issuer.public_key().verify(answer.signature, answer.tbs_response_bytes, *_verify_args(issuer, answer))
    return answer


def _verify_args(issuer, answer):
    from cryptography.hazmat.primitives.asymmetric import ec

    return (ec.ECDSA(answer.signature_hash_algorithm),)


@pytest.mark.integration
def test_revoking_a_seal_answers_revoked_and_earlier_seals_stay_valid_offline(
    committed_alpha, django_db_blocker, network_off_later
):
    company, alice = committed_alpha
    with django_db_blocker.unblock():
        seal = issue_seal(company, alice)
        signed = seal_document(company, alice, seal)
        certificate = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
        seal_ca = pki.certificate(pki.Role.SEAL_CA)
        assert ocsp_ask(certificate, seal_ca).certificate_status == ocsp.OCSPCertStatus.GOOD
        seal_status_change(seal=seal, to_status=Seal.Status.REVOKED, acting_user=alice, reason="key lost")
        revoked_at = Seal.objects.get(pk=seal.pk).status_changed_at
        answer = ocsp_ask(certificate, seal_ca)
        assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
        assert answer.revocation_reason == x509.ReasonFlags.key_compromise
        assert abs((answer.revocation_time_utc - revoked_at).total_seconds()) < 1
        # The CRL says the same.
        crl = x509.load_der_x509_crl(requests.get(pki.crl_url(), timeout=10).content)
        assert crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None
        # The TSA and the seal CA are good under the root.
        assert ocsp_ask(seal_ca, pki.certificate(pki.Role.ROOT)).certificate_status == ocsp.OCSPCertStatus.GOOD

    network_off_later()
    reader = PdfFileReader(io.BytesIO(signed))
    assert timestamp_time(reader.embedded_signatures[0]) < revoked_at
    _store, status = validate_from_file(signed)
    assert status.bottom_line and not status.revoked
    # With the revocation known (the CRL fetched after it) and judged after it, the signature
    # counts as revoked: the embedded answers are what keep the earlier seal valid.
    late = validate_pdf_signature(
        reader.embedded_signatures[0],
        signer_validation_context=_context_with_crl(crl, moment=revoked_at + dt.timedelta(minutes=1)),
    )
    assert late.revoked and not late.bottom_line


def _context_with_crl(crl: x509.CertificateRevocationList, *, moment):
    from asn1crypto import crl as asn1_crl
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=[_root()],
        crls=[asn1_crl.CertificateList.load(crl.public_bytes(serialization.Encoding.DER))],
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment,
    )
