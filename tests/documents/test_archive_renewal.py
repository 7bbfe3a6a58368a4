"""B-LTA over time: the company's level puts an archive timestamp on sealed documents, and the
renewal job adds the next one before the newest timestamp's TSA certificate expires. Time
is travelled with short-lived TSA and seal certificates issued by the platform CAs (the live
TSA signs with whichever the test hands it) and a validation time after they expired."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import pytest
from cryptography import x509
from django.utils import timezone
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from documents.models import Document, DocumentVersion
from documents.pdf.archive import ArchiveChainBroken, newest_timestamp
from documents.pdf.lta import archive_proof, lta_validation_spec
from documents.pdf.verify import VALID, verify_pdf
from documents.services import archive as archive_service
from documents.services.archive import archive_timestamps_due, archive_timestamps_renew
from documents.tasks import archive_timestamps_renew_all
from documents.verification import trust_roots
from events.models import AuditEvent
from seals import ca, pki
from tenants.models import Company
from tests.documents.test_long_term import _root, issue_seal, network_off_later, seal_document

__all__ = ["network_off_later"]  # a fixture used here

DAY = dt.timedelta(days=1)
MARGIN = dt.timedelta(days=30)


@pytest.fixture
def tsa_lifetime(monkeypatch):
    """Call with a lifetime: from then on the platform TSA signs with a new certificate of
    the platform root that expires after it. The root's OCSP answers "good" for it, as for
    any certificate the root issued (the record is kept in memory here: the live server's
    thread cannot see rows this test's transaction has not committed)."""
    original, issued_by = pki.authority, pki.issued_by
    serials: set[int] = set()
    monkeypatch.setattr(
        pki,
        "issued_by",
        lambda issuer, serial: (issuer == pki.Role.ROOT and serial in serials) or issued_by(issuer, serial),
    )

    def switch(lifetime: dt.timedelta) -> None:
        root_key, root_cert = original(pki.Role.ROOT)
        monkeypatch.setattr(ca, "TSA_VALIDITY", lifetime)
        issued = ca.create_timestamp_authority(root_key, root_cert, crl_url=pki.root_crl_url(), ocsp_url=pki.ocsp_url())
        serials.add(issued[1].serial_number)
        monkeypatch.setattr(pki, "authority", lambda role: issued if role == pki.Role.TSA else original(role))

    return switch


def lta_company(company: Company) -> Company:
    Company.objects.filter(pk=company.pk).update(signature_level=Company.SignatureLevel.B_LTA)
    company.refresh_from_db()
    return company


@pytest.mark.django_db
def test_an_lta_document_validates_through_archive_timestamps_the_renewal_job_made(
    world, approved_alpha, tsa_lifetime, network_off_later, monkeypatch
):
    company = lta_company(approved_alpha)
    tsa_lifetime(10 * DAY)  # TSA certificate A
    monkeypatch.setattr(ca, "SEAL_CERT_VALIDITY", 20 * DAY)
    seal = issue_seal(company, world.alice)
    seal_expires = x509.load_pem_x509_certificate(seal.certificate_pem.encode()).not_valid_after_utc
    sealed = seal_document(company, world.alice, seal)
    with tenant_context(company):
        document = Document.objects.get(current_version__sha256__isnull=False, versions__kind="sealed")
        sealed_version = document.current_version
        # B-LTA at sealing: the seal's own timestamp and a first archive timestamp, both by A.
        assert newest_timestamp(sealed).archive_count == 1
        a_expires = sealed_version.archive_renew_by
        assert a_expires is not None and a_expires - dt.datetime.now(dt.UTC) < 11 * DAY

        # Due at once (A expires within the margin); B lasts 40 days: one renewal, and a second
        # run in a row finds nothing to do.
        tsa_lifetime(40 * DAY)
        assert archive_timestamps_renew(margin=MARGIN) == 1
        assert archive_timestamps_renew(margin=MARGIN) == 0
        first_renewal = Document.objects.get(pk=document.pk).current_version
        assert first_renewal.kind == DocumentVersion.Kind.ARCHIVED and first_renewal.number == sealed_version.number + 1
        assert first_renewal.archive_renew_by > a_expires

        # Fifteen days later B is within the margin: the beat job (every company) renews with C.
        later = dt.datetime.now(dt.UTC) + 15 * DAY
        assert archive_timestamps_due(now=later, margin=MARGIN) == [first_renewal.pk]
        tsa_lifetime(3 * 365 * DAY)
        assert archive_timestamps_renew(now=later, margin=MARGIN) == 1
        assert archive_timestamps_renew(now=later, margin=MARGIN) == 0  # safe to run twice
        second_renewal = Document.objects.get(pk=document.pk).current_version
        assert second_renewal.number == first_renewal.number + 1
        assert archive_timestamps_renew_all.apply().get() == 0  # nothing due anywhere today
        with second_renewal.file.open("rb") as handle:
            final = handle.read()
        renewals = AuditEvent.objects.filter(action="document.archive_timestamp_renewed", target_id=str(document.pk))
        assert sorted(e.data["version"] for e in renewals) == [first_renewal.number, second_renewal.number]

    # Sixty days on, the seal certificate, A and B have expired: pyHanko's AdES LTA
    # validation, offline, follows the chain of archive timestamps back to the seal.
    network_off_later()
    reader = PdfFileReader(io.BytesIO(final))
    signature, *archives = reader.embedded_signatures
    assert [a.sig_object_type for a in archives] == ["/DocTimeStamp"] * 3
    moment = dt.datetime.now(dt.UTC) + 60 * DAY
    assert moment > seal_expires and moment > first_renewal.archive_renew_by > a_expires
    roots = [_root()]
    newest_tsa = reader.embedded_signatures[-1].signer_cert
    assert newest_tsa.not_valid_after > moment
    spec = lta_validation_spec(roots, [], newest_tsa=newest_tsa, at=moment)
    timing = ValidationTimingInfo(validation_time=moment, best_signature_time=moment, point_in_time_validation=False)
    result = asyncio.run(ades_lta_validation(signature, spec, timing_info=timing))
    assert result.ades_subindic == AdESPassed.OK
    # Proven to exist no later than the first archive timestamp (A), made at sealing.
    assert result.best_signature_time <= result.oldest_evidence_record_timestamp == newest_timestamp(sealed).at
    # Our verifier says the same at that moment: proven through the three archive timestamps.
    proof = archive_proof(signature, roots, at=moment)
    assert (proof.valid, proof.archive_timestamps) == (True, 3)
    # Without the chain (the seal's revision alone, then one archive timestamp whose TSA
    # certificate A has expired by then) the same validation cannot prove it.
    only_first = PdfFileReader(io.BytesIO(sealed))
    assert not archive_proof(only_first.embedded_signatures[0], roots, at=moment).valid
    # Today, the verifier's report shows it too.
    report = verify_pdf(final, trust_roots=list(trust_roots()), appearances=False)
    assert report.verdict == VALID and report.signatures[0].archive_proof
    assert report.signatures[0].archive_timestamps == 3


@pytest.mark.django_db
def test_a_chain_that_cannot_be_extended_is_retried_until_its_tsa_expired_then_recorded(
    world, approved_alpha, monkeypatch
):
    company = lta_company(approved_alpha)
    seal_document(company, world.alice, issue_seal(company, world.alice))

    def broken(data):
        raise ArchiveChainBroken("the newest timestamp does not validate now")

    monkeypatch.setattr(archive_service, "archive_timestamp_for", broken)
    with tenant_context(company):
        version = Document.objects.get(versions__kind="sealed").current_version
        # Its TSA certificate is still in force: perhaps the OCSP responder is away; try later.
        assert archive_timestamps_renew(margin=dt.timedelta(days=20 * 365)) == 0
        version.refresh_from_db()
        assert version.archive_renew_by is not None
        assert not AuditEvent.objects.filter(action="document.archive_chain_broken").exists()
        # Renewed too late (the certificate expired): recorded once, never asked again.
        DocumentVersion.objects.filter(pk=version.pk).update(archive_renew_by=timezone.now() - DAY)
        assert archive_timestamps_renew() == 0
        version.refresh_from_db()
        assert version.archive_renew_by is None
        assert AuditEvent.objects.filter(action="document.archive_chain_broken").count() == 1
        assert archive_timestamps_due(now=timezone.now() + 3650 * DAY) == []
