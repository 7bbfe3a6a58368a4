"""Evidence packages for OFD: a standalone OFD sealing through the real sealing job gets a
package (the sealed OFD, the report sealed by the platform at B-LTA, the hash-chained trail,
the certificates and the SES_Signature timestamps) that the shipped checker verifies offline,
seal signature by seal signature, naming any part that changed."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from cryptography.hazmat.primitives import hashes
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from documents.models import EvidencePackage
from documents.services.evidence import evidence_package_build
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.versions import document_upload
from seals import pki
from tests.conftest import enrol_authenticator, totp_now
from tests.documents.test_evidence import _change_first_audit_line, _flip_middle_byte, _rewrite, run_checker
from tests.documents.test_long_term import SEAL_PASSWORD, issue_seal
from tests.ofd import writer

pytestmark = pytest.mark.django_db


def _sealed_ofd_package(company, user):
    seal = issue_seal(company, user)
    device, _codes = enrol_authenticator(user)
    with tenant_context(company):
        document = document_upload(name="合同.ofd", data=writer.build_ofd(pages=2), acting_user=user)
        placement_add(document=document, company=company, seal_id=seal.pk, page=1, x=380, y=80, acting_user=user)
        grant = document_seal_request(
            document=document,
            company=company,
            seal_id=seal.pk,
            user=user,
            seal_password=SEAL_PASSWORD,
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
            ip_address="203.0.113.9",
            user_agent="pytest-ofd",
        )
        version = document_seal_execute(grant_id=grant.pk)
        assert version is not None and version.format == "ofd"
        package = EvidencePackage.objects.get(version=version)
        built = evidence_package_build(package_id=package.pk)
        with built.archive.open("rb") as handle:
            archive = handle.read()
        return document, version, built, archive


def _change_inside_the_ofd(name: str):
    """A page of the sealed OFD rewritten, the OFD itself still a good ZIP."""

    def change(ofd: bytes) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(ofd)) as source, zipfile.ZipFile(buffer, "w") as target:
            for info in source.infolist():
                data = source.read(info)
                target.writestr(
                    info.filename,
                    data.replace(b"</ofd:Page>", b"<!-- x --></ofd:Page>") if info.filename == name else data,
                )
        return buffer.getvalue()

    return change


def _damage_compressed_data(ofd: bytes) -> bytes:
    """One byte of the first deflated entry's compressed data flipped: the OFD no longer
    inflates (or fails its CRC)."""
    with zipfile.ZipFile(io.BytesIO(ofd)) as package:
        info = next(i for i in package.infolist() if i.compress_type == zipfile.ZIP_DEFLATED and i.compress_size > 8)
    name_length = int.from_bytes(ofd[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_length = int.from_bytes(ofd[info.header_offset + 28 : info.header_offset + 30], "little")
    at = info.header_offset + 30 + name_length + extra_length + info.compress_size // 2
    return ofd[:at] + bytes([ofd[at] ^ 0xFF]) + ofd[at + 1 :]


def test_a_sealed_ofd_gets_a_package_that_checks_offline_and_names_every_changed_part(world, approved_alpha, tmp_path):
    document, version, package, archive = _sealed_ofd_package(approved_alpha, world.alice)
    assert package.status == "ready" and package.version_id == version.pk

    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        names = set(zipped.namelist())
        final = zipped.read("final.ofd")
        report = zipped.read("report.pdf")
        audit = [json.loads(line) for line in zipped.read("audit.jsonl").decode().splitlines()]
        pages = sorted(n for n in zipfile.ZipFile(io.BytesIO(final)).namelist() if n.endswith("Content.xml"))
    assert {"final.ofd", "report.pdf", "audit.jsonl", "manifest.json", "manifest.sig", "check_evidence.py"} <= names
    assert "final.pdf" not in names
    with tenant_context(approved_alpha), version.file.open("rb") as handle:
        assert final == handle.read()
    # The OFD seal signature's timestamp and certificates travel on their own too.
    assert "timestamps/final-1-signature.tst" in names
    assert len([n for n in names if n.startswith("certificates/")]) >= 5
    assert [row["payload"]["action"] for row in audit][:4] == [
        "document.uploaded",
        "document.placement_added",
        "document.seal_requested",
        "document.sealed",
    ]
    # The report is sealed by the platform, then archive-timestamped (B-LTA).
    signatures = PdfFileReader(io.BytesIO(report)).embedded_signatures
    assert [s.sig_object_type for s in signatures] == ["/Sig", "/DocTimeStamp"]
    # ...and shows the OFD's seal signature, verified, with the time its timestamp proves.
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report)).pages)
    assert "OFD GB/T 38540" in " ".join(text.split())  # table cells wrap
    assert "/Doc_0/Signs/Sign_0/Signature.xml" in "".join(text.split())
    assert version.sha256 in text

    root = pki.certificate(pki.Role.ROOT).fingerprint(hashes.SHA256()).hex()
    intact = run_checker(tmp_path, archive, "--root-sha256", root)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "final.ofd signature 1" in intact.stdout and "intact, sealed by" in intact.stdout
    assert "timestamped" in intact.stdout

    page = pages[0]
    tampered = {
        "final.ofd": _rewrite(archive, "final.ofd", _flip_middle_byte),
        "final.ofd: cannot be read as an OFD package": _rewrite(archive, "final.ofd", _damage_compressed_data),
        f"final.ofd signature 1 (Doc_0/Signs/Sign_0/Signature.xml): {page} it protects was changed": _rewrite(
            archive, "final.ofd", _change_inside_the_ofd(page)
        ),
        "report.pdf": _rewrite(archive, "report.pdf", _flip_middle_byte),
        "audit.jsonl line 1": _rewrite(archive, "audit.jsonl", _change_first_audit_line),
        "timestamps/final-1-signature.tst": _rewrite(
            archive, "timestamps/final-1-signature.tst", lambda data: data[:-1] + bytes([data[-1] ^ 1])
        ),
    }
    for part, changed in tampered.items():
        result = run_checker(tmp_path, changed, "--root-sha256", root)
        assert result.returncode == 1, f"{part}: {result.stdout}"
        assert f"CHANGED {part}" in result.stdout, f"{part}: {result.stdout}"
