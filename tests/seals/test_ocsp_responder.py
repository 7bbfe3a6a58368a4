"""The OCSP responder at /pki/ocsp on the platform host (RFC 6960), over real HTTP against
the live server: answers for both platform CAs, refuses what is not a request in its own
protocol (never a 5xx), and names itself unauthorised for CAs that are not ours."""

from __future__ import annotations

import base64
import datetime as dt
import os

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp

from seals import ca, pki, responders
from seals.models import IssuedCertificate

OCSP_HEADERS = {"Content-Type": "application/ocsp-request", "Connection": "close"}


def _post(body: bytes, headers=OCSP_HEADERS) -> requests.Response:
    return requests.post(pki.ocsp_url(), data=body, headers=headers, timeout=10)


def _status(response: requests.Response) -> ocsp.OCSPResponseStatus:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/ocsp-response"
    return ocsp.load_der_ocsp_response(response.content).response_status


def _request(certificate, issuer, *, nonce: bytes | None = None) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1())  # noqa: S303 (the usual CertID hash)
    if nonce:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


@pytest.mark.django_db
def test_the_tsa_certificate_is_good_under_the_root_with_the_nonce_echoed(world):
    tsa, root = pki.certificate(pki.Role.TSA), pki.certificate(pki.Role.ROOT)
    # Every platform certificate names where to ask.
    access = tsa.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [a.access_location.value for a in access] == [pki.ocsp_url()]
    points = tsa.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [p.full_name[0].value for p in points] == [pki.root_crl_url()]
    answer = ocsp.load_der_ocsp_response(_post(_request(tsa, root, nonce=b"n" * 16)).content)
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD and answer.serial_number == tsa.serial_number
    assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"n" * 16
    assert answer.next_update_utc > answer.this_update_utc
    # The same request by GET (RFC 6960 appendix A.1).
    encoded = base64.b64encode(_request(tsa, root)).decode()
    response = requests.get(f"{pki.ocsp_url()}/{encoded}", timeout=10)
    assert ocsp.load_der_ocsp_response(response.content).certificate_status == ocsp.OCSPCertStatus.GOOD
    # The root CRL is published where the certificates say.
    crl = x509.load_der_x509_crl(requests.get(pki.root_crl_url(), timeout=10).content)
    assert crl.is_signature_valid(root.public_key()) and len(crl) == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"", OCSP_HEADERS),
        (b"\x30\x80garbage", OCSP_HEADERS),
        (b"\x30" * 100, OCSP_HEADERS),
        (b"\x30\x03\x02\x01\x01", OCSP_HEADERS),
        (b"\x30" + b"\x00" * 9000, OCSP_HEADERS),  # over the size limit
        (b"\x30\x00", {"Content-Type": "text/plain"}),
    ],
)
def test_malformed_requests_get_malformed_request(world, body, headers):
    assert _status(_post(body, headers)) == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["!!!", "A" * 9000, "AAAA"])
def test_malformed_get_requests_get_malformed_request(world, path):
    assert _status(requests.get(f"{pki.ocsp_url()}/{path}", timeout=10)) == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


@pytest.mark.django_db
def test_a_ca_that_is_not_ours_is_unauthorised(world):
    stranger_key, stranger_root = ca.create_root_ca("Stranger Root")
    _key, stranger_tsa = ca.create_timestamp_authority(stranger_key, stranger_root, "Stranger TSA")
    assert _status(_post(_request(stranger_tsa, stranger_root))) == ocsp.OCSPResponseStatus.UNAUTHORIZED


@pytest.mark.django_db
def test_the_endpoints_are_rate_limited_per_client(world, settings):
    settings.OCSP_RATE_LIMIT = "2/min"
    settings.TSA_RATE_LIMIT = "0/min"
    statuses = [_status(_post(b"x")) for _ in range(3)]
    assert statuses[-1] == ocsp.OCSPResponseStatus.TRY_LATER
    response = requests.post(
        pki.tsa_url(), data=b"x", headers={"Content-Type": "application/timestamp-query"}, timeout=10
    )
    assert response.status_code == 429 and 1 <= int(response.headers["Retry-After"]) <= 120


@pytest.mark.django_db
def test_serials_the_ca_never_issued_are_unknown_not_good(world):
    root_key, root = pki.authority(pki.Role.ROOT)
    seal_ca_key, seal_ca = pki.authority(pki.Role.SEAL_CA)
    # Certificates made with the platform keys but never recorded as issued (a forged or
    # stray serial): the responder does not vouch for them.
    _key, stray_tsa = ca.create_timestamp_authority(root_key, root, "Stray TSA")
    stray_key = ec.generate_private_key(ec.SECP256R1())
    stray_person = ca.issue_person_certificate(
        seal_ca_key, seal_ca, stray_key.public_key(), name="Stray", email="x@example.com"
    )
    for certificate, issuer in ((stray_tsa, root), (stray_person, seal_ca)):
        answer = ocsp.load_der_ocsp_response(_post(_request(certificate, issuer)).content)
        assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        assert answer.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    # What the CAs did issue stays good: the seal CA and TSA under the root, a recorded person.
    for certificate, issuer in ((seal_ca, root), (pki.certificate(pki.Role.TSA), root)):
        assert ocsp.load_der_ocsp_response(_post(_request(certificate, issuer)).content).certificate_status == (
            ocsp.OCSPCertStatus.GOOD
        )


def test_issued_people_are_good(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        seal_ca_key, seal_ca = pki.authority(pki.Role.SEAL_CA)
        person_key = ec.generate_private_key(ec.SECP256R1())
        person = ca.issue_person_certificate(
            seal_ca_key, seal_ca, person_key.public_key(), name="Zhang", email="x@example.com"
        )
        pki.issued_note(pki.Role.SEAL_CA, person)  # committed: the live server's thread sees it
        try:
            answer = ocsp.load_der_ocsp_response(_post(_request(person, seal_ca)).content)
            assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
        finally:
            IssuedCertificate.objects.filter(serial=f"{person.serial_number:x}").delete()


@pytest.mark.django_db
def test_a_failure_behind_the_responder_is_an_ocsp_internal_error_not_a_5xx(world, monkeypatch):
    def broken(serial):
        raise RuntimeError("database away")

    monkeypatch.setattr(pki, "_seal_status", broken)
    person_key = ec.generate_private_key(ec.SECP256R1())
    seal_ca_key, seal_ca = pki.authority(pki.Role.SEAL_CA)
    person = ca.issue_person_certificate(
        seal_ca_key, seal_ca, person_key.public_key(), name="Li", email="x@example.com"
    )
    assert _status(_post(_request(person, seal_ca))) == ocsp.OCSPResponseStatus.INTERNAL_ERROR

    def unreadable_keys(body):
        raise RuntimeError("master key unavailable")

    monkeypatch.setattr(pki, "ocsp_reply_der", unreadable_keys)
    assert _status(_post(_request(person, seal_ca))) == ocsp.OCSPResponseStatus.INTERNAL_ERROR
    encoded = base64.b64encode(_request(person, seal_ca)).decode()
    assert _status(requests.get(f"{pki.ocsp_url()}/{encoded}", timeout=10)) == ocsp.OCSPResponseStatus.INTERNAL_ERROR


def test_pure_builder_never_raises_on_hostile_bytes():
    """Every prefix of a real request, and random bytes, get an OCSP answer, not an exception."""
    key, root = ca.create_root_ca()
    issuer = responders.OcspIssuer(key, root, lambda serial: responders.CertificateStatus())
    good = _request(root, root)
    now = dt.datetime.now(dt.UTC)
    for body in [good[:n] for n in range(len(good))] + [os.urandom(64) for _ in range(50)]:
        answer = ocsp.load_der_ocsp_response(responders.ocsp_reply(body, issuers=[issuer], now=now))
        assert answer.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    assert ocsp.load_der_ocsp_response(responders.ocsp_reply(good, issuers=[issuer], now=now)).response_status == (
        ocsp.OCSPResponseStatus.SUCCESSFUL
    )


def test_authorities_from_before_ocsp_are_recertified_and_old_seals_still_chain():
    root_key, root = ca.create_root_ca()
    old_key, old_seal_ca = ca.create_subordinate_ca(root_key, root, crl_url="http://p/pki/seal-ca.crl")
    seal_key = ec.generate_private_key(ec.SECP256R1())
    subject = ca.SealSubject("Alpha Ltd", "91110000802100433B", "1100000000013", "Alpha Ltd")
    seal = ca.issue_seal_certificate(old_key, old_seal_ca, ca.build_csr(seal_key, subject), subject)
    renewed = ca.recertify(root_key, root, old_seal_ca, crl_url="http://p/pki/root.crl", ocsp_url="http://p/pki/ocsp")
    assert renewed.public_key() == old_seal_ca.public_key() and renewed.subject == old_seal_ca.subject
    access = renewed.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [a.access_location.value for a in access] == ["http://p/pki/ocsp"]
    points = renewed.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [p.full_name[0].value for p in points] == ["http://p/pki/root.crl"]
    assert renewed.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    seal.verify_directly_issued_by(renewed)
    renewed.verify_directly_issued_by(root)
