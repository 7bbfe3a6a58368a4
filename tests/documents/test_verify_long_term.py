"""The verifier judges long-term from the file alone (nothing fetched): each signature's LTV
status, "valid at signing time, proven by the timestamp" after its certificate expired, and
a revocation after the timestamp that leaves it valid, while one before it does not."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from cryptography import x509
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader

from documents.pdf.verify import INVALID, VALID, verify_pdf
from documents.services.signers import platform_trust_roots_pem
from documents.verification import document_verify, trust_roots
from seals import ca, pki
from seals.models import Seal
from seals.services import seal_status_change
from tenants.models import Company
from tests.documents.test_long_term import issue_seal, network_off_later, seal_document, timestamp_time

__all__ = ["network_off_later"]  # a fixture used here


def offline_verdict(data: bytes, *, crls=()):
    return verify_pdf(data, trust_roots=list(trust_roots()), crls=list(crls), appearances=False)


@pytest.mark.django_db
def test_a_seal_whose_certificate_expired_stays_valid_on_its_timestamp(
    world, approved_alpha, monkeypatch, network_off_later
):
    monkeypatch.setattr(ca, "SEAL_CERT_VALIDITY", dt.timedelta(seconds=12))
    seal = issue_seal(approved_alpha, world.alice)
    signed = seal_document(approved_alpha, world.alice, seal)
    expires = x509.load_pem_x509_certificate(seal.certificate_pem.encode()).not_valid_after_utc
    assert platform_trust_roots_pem()  # the roots the file's chains end at

    network_off_later()
    fresh = offline_verdict(signed).signatures[0]
    assert fresh.verdict == VALID and fresh.long_term and fresh.proven_by_timestamp
    time.sleep(max(0.0, (expires - dt.datetime.now(dt.UTC)).total_seconds()) + 1.5)
    assert dt.datetime.now(dt.UTC) > expires
    report = offline_verdict(signed)
    (signature,) = report.signatures
    assert report.verdict == VALID, report.reasons + signature.reasons
    assert (
        signature.proven_by_timestamp
        and signature.long_term
        and signature.valid_until < signature.timestamp_time + (dt.timedelta(seconds=13))
    )


@pytest.mark.django_db
def test_b_t_files_say_their_long_term_data_is_missing(world, approved_alpha, network_off_later):
    Company.objects.filter(pk=approved_alpha.pk).update(signature_level=Company.SignatureLevel.B_T)
    approved_alpha.refresh_from_db()
    signed = seal_document(approved_alpha, world.alice, issue_seal(approved_alpha, world.alice))
    assert b"/DSS" not in signed
    network_off_later()
    (signature,) = offline_verdict(signed).signatures
    assert signature.verdict == VALID and signature.proven_by_timestamp and not signature.long_term


@pytest.mark.django_db
def test_revoked_after_the_timestamp_stays_valid_and_before_it_is_invalid(world, approved_alpha):
    seal = issue_seal(approved_alpha, world.alice)
    signed = seal_document(approved_alpha, world.alice, seal)
    stamped_at = timestamp_time(PdfFileReader(io.BytesIO(signed)).embedded_signatures[0])
    seal_status_change(seal=seal, to_status=Seal.Status.REVOKED, acting_user=world.alice, reason="Lost")

    Seal.objects.filter(pk=seal.pk).update(status_changed_at=stamped_at + dt.timedelta(minutes=1))
    later = document_verify(data=signed, appearances=False)
    (signature,) = later.signatures
    assert later.verdict == VALID and signature.revoked_later and signature.proven_by_timestamp
    assert signature.long_term

    Seal.objects.filter(pk=seal.pk).update(status_changed_at=stamped_at - dt.timedelta(minutes=1))
    earlier = document_verify(data=signed, appearances=False)
    (signature,) = earlier.signatures
    assert earlier.verdict == INVALID and "certificate_revoked" in signature.reasons
    assert not signature.revoked_later and not signature.proven_by_timestamp
    assert pki.seal_ca_crl_der()  # the CRL the verifier was given names the revocation
    assert timezone.now() > stamped_at
