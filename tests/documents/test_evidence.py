"""Evidence packages (出证): a standalone sealing gets a report sealed by the platform and a
ZIP that the shipped checker verifies offline, in its own process, naming any part that was
changed. Hostile names and user agents are shown as text in the report."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from documents.models import EvidencePackage
from documents.pdf.evidence import CHECKER_SOURCE
from documents.services.evidence import evidence_package_build
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.versions import document_upload
from events.models import WebhookDelivery
from events.webhooks import webhook_endpoint_create
from tests.conftest import enrol_authenticator, totp_now
from tests.documents.pdfs import make_pdf
from tests.documents.test_long_term import SEAL_PASSWORD, issue_seal

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]
HOSTILE_AGENT = 'Mozilla/5.0 <img src="http://127.0.0.1:9/x.png"/> <font color="red">\u202eevil</font> &amp;'
HOSTILE_NAME = '<b>Bold</b> <img src="file:///etc/passwd"/>\u202ecod.pdf'


def build_package(company, user, *, name: str = "contract.pdf", user_agent: str = "pytest"):
    """Seal a fresh document alone, then run the evidence job the sealing queued."""
    seal = issue_seal(company, user)
    device, _codes = enrol_authenticator(user)
    with tenant_context(company):
        endpoint, _secret = webhook_endpoint_create(
            url="http://127.0.0.1:9/hook", events=["evidence.ready"], description="ERP", acting_user=user
        )
        document = document_upload(name=name, data=make_pdf(1), acting_user=user)
        placement_add(document=document, company=company, seal_id=seal.pk, page=0, x=380, y=80, acting_user=user)
        grant = document_seal_request(
            document=document,
            company=company,
            seal_id=seal.pk,
            user=user,
            seal_password=SEAL_PASSWORD,
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
            ip_address="203.0.113.7",
            user_agent=user_agent,
        )
        version = document_seal_execute(grant_id=grant.pk)
        package = EvidencePackage.objects.get(version=version)
        assert package.status == "pending" and package.document_id == document.pk
        built = evidence_package_build(package_id=package.pk)
        assert evidence_package_build(package_id=package.pk) == built  # a second run changes nothing
        with built.archive.open("rb") as handle:
            archive = handle.read()
        with built.report.open("rb") as handle:
            report = handle.read()
        deliveries = list(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("event_type", "payload"))
    return document, built, archive, report, deliveries


def run_checker(tmp_path: Path, archive: bytes, *extra: str) -> subprocess.CompletedProcess:
    """The checker as a customer runs it: the copy inside the ZIP, in a process of its own,
    with no Sealhub module importable (only pyHanko and cryptography)."""
    (tmp_path / "pkg.zip").write_bytes(archive)
    with zipfile.ZipFile(io.BytesIO(archive)) as package:
        (tmp_path / "check_evidence.py").write_bytes(package.read("check_evidence.py"))
    return subprocess.run(
        [sys.executable, "-I", str(tmp_path / "check_evidence.py"), str(tmp_path / "pkg.zip"), *extra],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )


def _rewrite(archive: bytes, name: str, change) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, change(data) if info.filename == name else data)
    return buffer.getvalue()


def _flip_middle_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def _change_first_audit_line(data: bytes) -> bytes:
    lines = data.decode().splitlines()
    row = json.loads(lines[0])
    row["payload"]["actor"] = "Mallory"
    return "\n".join([json.dumps(row), *lines[1:]]).encode() + b"\n"


def _change_manifest(data: bytes) -> bytes:
    manifest = json.loads(data)
    manifest["created_at"] = "2020-01-01T00:00:00+00:00"
    return json.dumps(manifest).encode()


def test_a_standalone_sealing_gets_a_package_that_checks_offline_and_names_every_changed_part(
    world, approved_alpha, tmp_path
):
    document, package, archive, report, deliveries = build_package(approved_alpha, world.alice)
    assert package.status == "ready" and package.archive_sha256 == hashlib.sha256(archive).hexdigest()
    assert package.archive.name.startswith("c_alpha/evidence/")  # per-company storage paths
    assert [(kind, payload["data"]["package_id"]) for kind, payload in deliveries] == [
        ("evidence.ready", str(package.pk))
    ]

    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        names = set(zipped.namelist())
        manifest = json.loads(zipped.read("manifest.json"))
        audit = [json.loads(line) for line in zipped.read("audit.jsonl").decode().splitlines()]
        final = zipped.read("final.pdf")
    assert {"final.pdf", "report.pdf", "audit.jsonl", "manifest.json", "manifest.sig", "check_evidence.py"} <= names
    assert {"certificates/evidence-seal.pem", "certificates/seal-ca.pem", "certificates/root.pem"} <= names
    assert any(n.startswith("timestamps/final-") for n in names) and any(
        n.startswith("timestamps/report-") for n in names
    )
    assert any(n.startswith("revocation/report-") for n in names)  # the report is B-LT: its DSS is carried
    assert set(manifest["parts"]) == names - {"manifest.json", "manifest.sig"}
    with tenant_context(approved_alpha):
        assert hashlib.sha256(final).hexdigest() == package.version.sha256
    assert [row["payload"]["action"] for row in audit][:4] == [
        "document.uploaded",
        "document.placement_added",
        "document.seal_requested",
        "document.sealed",
    ]
    requested = audit[2]["payload"]
    assert requested["ip"] == "203.0.113.7" and requested["data"]["user_agent"] == "pytest"
    assert requested["data"]["willingness"] == {"seal_password": True, "code_method": "authenticator"}

    # The report: sealed by the platform, then an archive (document) timestamp over it all.
    signatures = PdfFileReader(io.BytesIO(report)).embedded_signatures
    assert [s.sig_object_type for s in signatures] == ["/Sig", "/DocTimeStamp"]
    assert "Sealhub Evidence Seal" in signatures[0].signer_cert.subject.human_friendly
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report)).pages)
    assert package.version.sha256 in text and "Asia/Shanghai" in text and "203.0.113.7" in text
    assert "authenticator" in text

    intact = run_checker(tmp_path, archive)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "OK: every part checks" in intact.stdout
    assert "final.pdf: signature 1" in intact.stdout and "chains to the root" in intact.stdout

    certificate = next(n for n in sorted(names) if n.startswith("certificates/") and n != "certificates/root.pem")
    tampered = {
        "final.pdf": _rewrite(archive, "final.pdf", _flip_middle_byte),
        "report.pdf": _rewrite(archive, "report.pdf", _flip_middle_byte),
        "audit.jsonl line 1": _rewrite(archive, "audit.jsonl", _change_first_audit_line),
        certificate: _rewrite(archive, certificate, lambda data: data.replace(b"A", b"B", 1)),
        "manifest.json": _rewrite(archive, "manifest.json", _change_manifest),
    }
    for part, changed in tampered.items():
        result = run_checker(tmp_path, changed)
        assert result.returncode == 1, f"{part}: {result.stdout}"
        assert f"CHANGED {part}:" in result.stdout, f"{part}: {result.stdout}"
        assert "NOT OK" in result.stdout


def test_the_checker_in_docs_is_the_one_shipped():
    assert (BASE_DIR / "docs" / "check_evidence.py").read_bytes() == CHECKER_SOURCE
