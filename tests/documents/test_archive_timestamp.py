"""PAdES B-LTA: an archive timestamp over a sealed file (documents/pdf/archive.py), asked from
the platform TSA over HTTP, and a chain of them, each validating from the file alone."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.revinfo.manager import RevinfoManager

from documents.pdf.archive import ArchiveChainBroken, archive_timestamp_add, newest_timestamp
from documents.pdf.timestamping import LongTermValidation
from documents.pdf.verify import VALID, verify_pdf
from documents.services.signers import platform_timestamping, platform_trust_roots_pem
from documents.verification import trust_roots
from tests.conftest import client_on
from tests.documents.test_long_term import _root, issue_seal, network_off_later, seal_document, validate_from_file

__all__ = ["network_off_later"]  # a fixture used here


def offline_context(reader, moment, *, mode: str = "require"):
    """The file's DSS only, nothing fetched; revocation data issued after `moment` counts."""
    settings = {"trust_roots": [_root()], "allow_fetching": False, "revocation_mode": mode, "moment": moment}
    return DocumentSecurityStore.read_dss(reader).as_validation_context({**settings, "retroactive_revinfo": True})


def archive(pdf: bytes) -> bytes:
    roots = platform_trust_roots_pem()
    return archive_timestamp_add(
        pdf, timestamping=platform_timestamping(), validation=LongTermValidation(trust_roots_pem=roots)
    )


@pytest.mark.django_db
def test_archive_timestamps_chain_and_validate_from_the_file(world, approved_alpha, network_off_later):
    seal = issue_seal(approved_alpha, world.alice)
    sealed = seal_document(approved_alpha, world.alice, seal)
    first = newest_timestamp(sealed)
    assert first is not None and not first.archive

    once = archive(sealed)
    twice = archive(once)
    assert once.startswith(sealed) and twice.startswith(once)  # incremental updates
    newest = newest_timestamp(twice)
    assert newest.archive and newest.archive_count == 2 and newest.at > first.at

    # The verify page shows the proof through the chain, in each language.
    upload = {"file": SimpleUploadedFile("sealed.pdf", twice)}
    english = client_on(None, HTTP_ACCEPT_LANGUAGE="en").post("/verify/", upload).content.decode()
    assert "Proven long-term through a chain of 2 archive timestamps (PAdES B-LTA)" in english
    upload = {"file": SimpleUploadedFile("sealed.pdf", twice)}
    chinese = client_on(None).post("/verify/", upload).content.decode()
    assert "经 2 个归档时间戳（PAdES B-LTA）构成的链长期证明" in chinese

    network_off_later()
    reader = PdfFileReader(io.BytesIO(twice))
    signature, *timestamps = reader.embedded_signatures
    assert [t.sig_object_type for t in timestamps] == ["/DocTimeStamp", "/DocTimeStamp"]
    # The seal is untouched: only validation data and document timestamps came after it.
    status = validate_pdf_signature(signature, signer_validation_context=offline_context(reader, first.at))
    assert status.bottom_line and status.modification_level == ModificationLevel.LTA_UPDATES
    assert validate_from_file(twice)[1].bottom_line
    for timestamp in timestamps:
        at = timestamp.signed_data["encap_content_info"]["content"].parsed["gen_time"].native
        ts_status = validate_pdf_timestamp(timestamp, validation_context=offline_context(reader, at))
        assert ts_status.intact and ts_status.valid and ts_status.trusted
        assert ts_status.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
    # The verifier agrees, offline: the seal and both archive timestamps carry their data.
    report = verify_pdf(twice, trust_roots=list(trust_roots()), appearances=False)
    assert report.verdict == VALID
    assert [(s.kind, s.long_term) for s in report.signatures] == [
        ("signature", True),
        ("document_timestamp", True),
        ("document_timestamp", True),
    ]
    assert (report.signatures[0].archive_proof, report.signatures[0].archive_timestamps) == (True, 2)


@pytest.mark.django_db
def test_an_archive_timestamp_over_a_tampered_chain_is_refused(world, approved_alpha):
    seal = issue_seal(approved_alpha, world.alice)
    once = archive(seal_document(approved_alpha, world.alice, seal))
    # Damage the newest token's signature bytes: its chain can no longer be extended.
    reader = PdfFileReader(io.BytesIO(once))
    signature = reader.embedded_signatures[-1].signer_info["signature"].native.hex()
    written = signature if signature.encode() in once else signature.upper()
    assert once.count(written.encode()) == 1
    damaged = once.replace(written.encode(), b"0" * len(written))
    with pytest.raises(ArchiveChainBroken):
        archive(damaged)


@pytest.mark.django_db
def test_a_crl_server_that_does_not_answer_does_not_stop_an_archive_timestamp(
    world, approved_alpha, monkeypatch, caplog
):
    sealed = seal_document(approved_alpha, world.alice, issue_seal(approved_alpha, world.alice))

    async def unreachable(self, cert):
        raise OSError("connection refused")

    monkeypatch.setattr(RevinfoManager, "fetch_crls", unreachable)
    archived = archive(sealed)
    # The archive timestamp is there, its validation data from OCSP; the missing CRLs are logged.
    assert newest_timestamp(archived).archive
    assert "no CRL for" in caplog.text
