"""The verifier judges a timestamped signature in one validation (signer at the timestamp's
time, timestamp today) instead of two, only where that cannot change the report: the
report must be the same as the two-step procedure's, for good files and for the ones the
shortcut has to hand back (a certificate on today's CRL, a timestamp nobody trusts, a
timestamp claiming a time before the certificate existed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from documents.pdf import sign as pdf_sign
from documents.pdf import verify
from documents.pdf.sign import Placement, SigningKey, Timestamping, stamp_and_sign
from seals import ca, keys
from seals.image import face_for, seal_pdf
from tests.documents.pdfs import make_pdf


def _pem(certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _der(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def authorities():
    root_key, root_cert = ca.create_root_ca()
    seal_ca_key, seal_ca_cert = ca.create_subordinate_ca(root_key, root_cert)
    tsa_key, tsa_cert = ca.create_timestamp_authority(root_key, root_cert)
    stranger_key, stranger_root = ca.create_root_ca("Somebody Else Root")
    stranger_tsa_key, stranger_tsa = ca.create_timestamp_authority(stranger_key, stranger_root)
    private_key = keys.generate_private_key()
    subject = ca.SealSubject("演示科技有限公司", "91110000802100433B", "1100000000013", "合同专用章")
    certificate = ca.issue_seal_certificate(
        seal_ca_key, seal_ca_cert, ca.build_csr(private_key, subject), subject, crl_url="http://localhost/crl"
    )
    return {
        "root": root_cert,
        "seal_ca": (seal_ca_key, seal_ca_cert),
        "certificate": certificate,
        "signing_key": SigningKey(private_key, _pem(certificate), [_pem(seal_ca_cert), _pem(root_cert)]),
        "tsa": Timestamping(tsa_key, _pem(tsa_cert), _pem(root_cert)),
        "stranger_tsa": Timestamping(stranger_tsa_key, _pem(stranger_tsa), _pem(stranger_root)),
    }


def _sealed(authorities, *, timestamping) -> bytes:
    face = face_for(seal_type="contract", company_name="演示科技有限公司", seal_name="", code="1", uscc="")
    return stamp_and_sign(
        make_pdf(1),
        placement=Placement(page=0, x=380, y=80, width=119, height=119),
        appearance_pdf=seal_pdf(face),
        signing_key=authorities["signing_key"],
        timestamping=timestamping,
        field_name="Seal1",
    )


def _crl(authorities, serials: list[int], revoked_at: dt.datetime) -> bytes:
    key, cert = authorities["seal_ca"]
    entries = [ca.RevokedEntry(serial, revoked_at, x509.ReasonFlags.key_compromise) for serial in serials]
    return ca.build_crl(key, cert, entries).public_bytes(serialization.Encoding.DER)


def _both_ways(monkeypatch, data: bytes, roots: list[bytes], crls: list[bytes]):
    """(report, validations) with the one-pass judgement allowed, then forced the long way."""
    calls = []
    original = verify.validate_pdf_signature

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(verify, "validate_pdf_signature", counted)
    quick = verify.verify_pdf(data, trust_roots=roots, crls=crls, appearances=False)
    quick_calls = len(calls)
    with monkeypatch.context() as forced:
        forced.setattr(verify, "_judged_at_timestamp_time", lambda *args: None)
        slow = verify.verify_pdf(data, trust_roots=roots, crls=crls, appearances=False)
    return quick, quick_calls, slow


def _comparable(report):
    return [dataclasses.asdict(signature) for signature in report.signatures], report.verdict, report.reasons


def test_a_good_seal_is_judged_in_one_validation_with_the_same_report(authorities, monkeypatch):
    signed = _sealed(authorities, timestamping=authorities["tsa"])
    other_seals = [authorities["certificate"].serial_number + n for n in range(1, 50)]
    crl = _crl(authorities, other_seals, dt.datetime.now(dt.UTC))
    quick, validations, slow = _both_ways(monkeypatch, signed, [_der(authorities["root"])], [crl])
    assert quick.verdict == verify.VALID and quick.signatures[0].proven_by_timestamp
    assert validations == 1
    assert _comparable(quick) == _comparable(slow)


def test_a_seal_on_todays_crl_takes_the_long_way(authorities, monkeypatch):
    signed = _sealed(authorities, timestamping=authorities["tsa"])
    time.sleep(1.1)  # revoked a second after the timestamp, before now
    crl = _crl(authorities, [authorities["certificate"].serial_number], dt.datetime.now(dt.UTC))
    quick, validations, slow = _both_ways(monkeypatch, signed, [_der(authorities["root"])], [crl])
    assert validations > 1
    (signature,) = quick.signatures
    assert quick.verdict == verify.VALID and signature.revoked_later and signature.proven_by_timestamp
    assert _comparable(quick) == _comparable(slow)

    before = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    crl = _crl(authorities, [authorities["certificate"].serial_number], before)
    quick, _validations, slow = _both_ways(monkeypatch, signed, [_der(authorities["root"])], [crl])
    assert quick.verdict == verify.INVALID and "certificate_revoked" in quick.signatures[0].reasons
    assert _comparable(quick) == _comparable(slow)


def test_an_untrusted_timestamp_does_not_revive_an_expired_certificate(authorities, monkeypatch):
    """A timestamp nobody trusts claims a time when the now expired certificate was valid:
    the signature is judged today, as the long way does."""
    private_key = keys.generate_private_key()
    subject = ca.SealSubject("演示科技有限公司", "91110000802100433B", "1100000000014", "合同专用章")
    seal_ca_key, seal_ca_cert = authorities["seal_ca"]
    with monkeypatch.context() as short:
        short.setattr(ca, "SEAL_CERT_VALIDITY", dt.timedelta(seconds=2))
        certificate = ca.issue_seal_certificate(seal_ca_key, seal_ca_cert, ca.build_csr(private_key, subject), subject)
    signing_key = SigningKey(private_key, _pem(certificate), [_pem(seal_ca_cert), _pem(authorities["root"])])
    signed = _sealed({**authorities, "signing_key": signing_key}, timestamping=authorities["stranger_tsa"])
    time.sleep(max(0.0, (certificate.not_valid_after_utc - dt.datetime.now(dt.UTC)).total_seconds()) + 1.1)
    quick, _validations, slow = _both_ways(monkeypatch, signed, [_der(authorities["root"])], [])
    (signature,) = quick.signatures
    assert not signature.proven_by_timestamp and quick.verdict != verify.VALID
    assert _comparable(quick) == _comparable(slow)


def test_a_timestamp_from_before_the_certificate_existed_gets_the_same_report(authorities, monkeypatch):
    pdf_sign._timestamper.cache_clear()
    backdated = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    with monkeypatch.context() as past:
        past.setattr(pdf_sign, "_utc_now", lambda: backdated)
        signed = _sealed(authorities, timestamping=authorities["tsa"])
    pdf_sign._timestamper.cache_clear()
    quick, _validations, slow = _both_ways(monkeypatch, signed, [_der(authorities["root"])], [])
    (signature,) = quick.signatures
    assert signature.timestamp_time is not None and abs(signature.timestamp_time - backdated) < dt.timedelta(seconds=1)
    assert quick.verdict != verify.VALID
    assert _comparable(quick) == _comparable(slow)
