"""Evidence packages (出证): a standalone sealing gets a report sealed by the platform and a
ZIP that the shipped checker verifies offline, in its own process, naming any part that was
changed. Hostile names and user agents are shown as text in the report."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.files.base import ContentFile
from django.urls import reverse
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from documents.models import EvidencePackage
from documents.pdf.evidence import CHECKER_SOURCE
from documents.pdf.report import evidence_report_pdf
from documents.services.evidence import evidence_package_build
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.versions import document_upload
from events.models import AuditEvent, WebhookDelivery
from events.services import audit_chain_extend, audit_event_record
from events.webhooks import webhook_endpoint_create
from seals import ca, pki
from tenants.services import api_key_create
from tests.conftest import client_on, enrol_authenticator, totp_now
from tests.documents.pdfs import make_pdf
from tests.documents.test_long_term import SEAL_PASSWORD, issue_seal, network_off, validate_from_file  # noqa: F401
from tests.documents.test_report_markup import _images_in, _shown, _text_of, payloads  # noqa: F401
from tests.loopback import loopback  # noqa: F401

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]
HOSTILE_AGENT = 'Mozilla/5.0 <img src="http://127.0.0.1:9/x.png"/> <font color="red">\u202eevil</font> &amp;'
HOSTILE_NAME = '<b>Bold</b> <img src="file:///etc/passwd"/>\u202ecod.pdf'


def build_package(company, user, *, name: str = "contract.pdf", user_agent: str = "pytest", link_trail: bool = False):
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
        if link_trail:  # as the commit hooks do outside a test's transaction
            audit_chain_extend()
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


def _validates_long_term_offline(report: bytes) -> bool:
    """The platform's seal on the report validates from the file's DSS alone (no fetching,
    revocation data required for every certificate)."""
    _store, status = validate_from_file(report)
    return status.intact and status.valid and status.trusted


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
    world, approved_alpha, tmp_path, request
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
    request.getfixturevalue("network_off")
    assert _validates_long_term_offline(report)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report)).pages)
    assert package.version.sha256 in text and "Asia/Shanghai" in text and "203.0.113.7" in text
    assert "authenticator" in text

    platform_root = pki.certificate(pki.Role.ROOT).fingerprint(hashes.SHA256()).hex()
    intact = run_checker(tmp_path, archive, "--root-sha256", platform_root)
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


def test_the_package_checks_the_trail_from_its_documents_first_event(world, approved_alpha):
    """Each sealing's package checks the company trail from the row before its document's
    first event to the newest row, not the company's whole history (which grows with every
    document and would make every package slower than the last): a row changed long before
    is not its concern, a row of its own is."""
    with tenant_context(approved_alpha):
        history = [
            audit_event_record(acting_user=world.alice, action="member.invited", data={"n": n}) for n in range(6)
        ]
        audit_chain_extend()
        AuditEvent.objects.filter(pk=history[1].pk).update(data={"n": 99})
    document, package, _archive, report, _deliveries = build_package(approved_alpha, world.alice, link_trail=True)
    with tenant_context(approved_alpha):
        first = AuditEvent.objects.filter(target_id=str(document.pk)).order_by("sequence").first().sequence
    shown = _text_of(report)
    assert first > 7 and f"#{first - 1}" in shown and "broken" not in shown

    with tenant_context(approved_alpha):
        uploaded = AuditEvent.objects.get(target_id=str(document.pk), action="document.uploaded")
        AuditEvent.objects.filter(pk=uploaded.pk).update(actor_label="Mallory")
        EvidencePackage.objects.filter(pk=package.pk).update(status="pending")
        rebuilt = evidence_package_build(package_id=package.pk)
        with rebuilt.report.open("rb") as handle:
            assert f"brokenat#{uploaded.sequence}" in _text_of(handle.read())


def test_the_checker_in_docs_is_the_one_shipped():
    assert (BASE_DIR / "docs" / "check_evidence.py").read_bytes() == CHECKER_SOURCE


# --- who may download -------------------------------------------------------------------


@pytest.fixture
def ready_package(world):
    """A ready package in alpha (its contents are not under test here: the build is above)."""
    with tenant_context(world.alpha):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=world.alice)
        package = EvidencePackage.objects.create(
            document=document, version=document.current_version, status=EvidencePackage.Status.READY
        )
        package.archive.save("evidence.zip", ContentFile(b"PK-the-archive"), save=False)
        package.report.save("report.pdf", ContentFile(b"%PDF-the-report"), save=False)
        package.save()
    return document, package


def _downloads(company) -> int:
    with tenant_context(company):
        return AuditEvent.objects.filter(action="document.evidence_downloaded").count()


def _api_client(company, user):
    with tenant_context(company):
        _key, raw = api_key_create(company=company, name="ERP", scopes=["documents"], acting_user=user)
    return client_on(company, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def test_the_owner_downloads_the_package_and_report_in_the_page_and_the_api(world, ready_package):
    document, package = ready_package
    browser = client_on(world.alpha, world.alice)
    page = browser.get(reverse("documents:detail", urlconf="config.urls_tenants", args=[document.pk]))
    assert reverse("documents:evidence_archive", urlconf="config.urls_tenants", args=[document.pk]) in page.text
    archive = browser.get(reverse("documents:evidence_archive", urlconf="config.urls_tenants", args=[document.pk]))
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"
    assert b"".join(archive.streaming_content) == b"PK-the-archive"
    assert 'filename="contract-v1-evidence.zip"' in archive["Content-Disposition"]

    api = _api_client(world.alpha, world.alice)
    listed = api.get(f"/api/v1/documents/{document.pk}/evidence/")
    assert listed.status_code == 200
    assert [(p["id"], p["version"], p["status"]) for p in listed.json()] == [(str(package.pk), 1, "ready")]
    report = api.get(f"/api/v1/documents/{document.pk}/evidence/report/")
    assert report.status_code == 200 and b"".join(report.streaming_content) == b"%PDF-the-report"
    assert _downloads(world.alpha) == 2  # every download is in the audit trail


def test_a_plain_member_may_not_download_evidence(world, ready_package):
    document, _package = ready_package
    browser = client_on(world.alpha, world.bob)
    response = browser.get(reverse("documents:evidence_archive", urlconf="config.urls_tenants", args=[document.pk]))
    assert response.status_code == 403
    # (An API key acts with its creator's role and a member cannot make one; the matrix covers keys.)
    assert _downloads(world.alpha) == 0


def test_another_company_never_reaches_the_package_by_url_or_api(world, ready_package):
    document, _package = ready_package
    paths = [
        reverse("documents:evidence_archive", urlconf="config.urls_tenants", args=[document.pk]),
        reverse("documents:evidence_report", urlconf="config.urls_tenants", args=[document.pk]),
        f"/api/v1/documents/{document.pk}/evidence/",
        f"/api/v1/documents/{document.pk}/evidence/archive/",
        f"/api/v1/documents/{document.pk}/evidence/report/",
    ]
    charlie_on_alpha = client_on(world.alpha, world.charlie)
    charlie_on_beta = client_on(world.beta, world.charlie)
    charlie_api_on_beta = _api_client(world.beta, world.charlie)
    for path in paths:
        clients = [charlie_on_alpha, charlie_on_beta] + ([charlie_api_on_beta] if path.startswith("/api/") else [])
        for client in clients:
            response = client.get(path)
            assert response.status_code == 404, (path, response.status_code, client.defaults["HTTP_HOST"])
            assert b"PK-the-archive" not in response.content and b"the-report" not in response.content
    assert _downloads(world.alpha) == 0


def test_no_package_yet_is_a_404_with_a_reason(world):
    with tenant_context(world.alpha):
        document = document_upload(name="draft.pdf", data=make_pdf(1), acting_user=world.alice)
    response = _api_client(world.alpha, world.alice).get(f"/api/v1/documents/{document.pk}/evidence/archive/")
    assert response.status_code == 404 and response.json()["type"] == "not_ready", response.json()


# --- hostile text in the report ------------------------------------------------------------


def test_hostile_names_and_user_agents_in_the_report_are_text_and_fetch_nothing(payloads, loopback):  # noqa: F811
    hostile = [*payloads, HOSTILE_AGENT, HOSTILE_NAME]
    cycle = itertools.cycle(hostile)
    evidence = {
        "subject": HOSTILE_NAME,
        "kind_label": next(cycle),
        "company": next(cycle),
        "id": next(cycle),
        "generated_at": next(cycle),
        "files": [
            {"label": next(cycle), "name": p, "size": 1, "sha256": next(cycle), "sm3": next(cycle)} for p in hostile
        ],
        "parties": [
            {key: next(cycle) for key in ("order", "role", "contact", "status", "acted_at")} | {"name": p}
            for p in hostile
        ],
        "chain": {"name": next(cycle), "intact": False, "broken_at": next(cycle)},
        "events": [
            {key: next(cycle) for key in ("sequence", "occurred_at", "action", "actor", "ip", "willingness", "hash")}
            | {"user_agent": p, "previous": next(cycle)}
            for p in hostile
        ],
        "verification": {
            "verdict": "invalid",
            "reason_messages": hostile,
            "signatures": [{"verdict": "invalid", "signer": p, "timestamp_time": next(cycle)} for p in hostile],
        },
    }

    pdf = evidence_report_pdf(evidence)

    text = _text_of(pdf)
    for payload in hostile:
        assert _shown(payload.replace("\u202e", ""), text), payload
    assert "\u202e" not in text  # a bidi override never reorders what follows it
    assert _images_in(pdf) == 0
    assert loopback.requests == []


def test_no_evidence_is_made_for_a_stored_file_that_changed(world):
    with tenant_context(world.alpha):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=world.alice)
        version = document.current_version
        package = EvidencePackage.objects.create(document=document, version=version)
        with version.file.open("wb") as handle:
            handle.write(make_pdf(2))
        built = evidence_package_build(package_id=package.pk)
        assert (built.status, built.error, built.archive.name, built.report.name) == (
            "failed",
            "fingerprint_mismatch",
            "",
            "",
        )
        assert not AuditEvent.objects.filter(action="document.evidence_ready").exists()


def test_a_read_only_key_may_not_download_the_trail_inside_the_evidence(world, ready_package):
    """The package carries the audit trail with addresses and user agents, which a key reads
    only with the scope it was given for it: a read-only key of the owner gets 403."""
    document, _package = ready_package
    with tenant_context(world.alpha):
        _key, raw = api_key_create(company=world.alpha, name="Dashboard", scopes=["read"], acting_user=world.alice)
    reader = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    for which in ("archive", "report"):
        response = reader.get(f"/api/v1/documents/{document.pk}/evidence/{which}/")
        assert response.status_code == 403, (which, response.status_code)
        assert response.json()["type"] == "scope_forbids"
        assert b"PK-the-archive" not in response.content and b"the-report" not in response.content
    assert _downloads(world.alpha) == 0
    # The audit trail itself is refused to the same key, as before.
    assert reader.get("/api/v1/audit_events/").status_code == 403


def _forged(archive: bytes) -> bytes:
    """The package remade by someone without the platform's keys: an audit row changed, and
    every certificate, the manifest and its signature made anew under a root of their own."""
    root_key, root = ca.create_root_ca()
    issuer_key, issuer = ca.create_subordinate_ca(root_key, root)
    seal_key, seal = ca.create_evidence_seal(issuer_key, issuer)
    with zipfile.ZipFile(io.BytesIO(archive)) as source:
        files = {info.filename: source.read(info) for info in source.infolist()}
    lines = files["audit.jsonl"].decode().splitlines()
    rows = [json.loads(line) for line in lines]
    previous = None
    for row in rows:  # the chain recomputed, as anyone can
        if previous is not None and row["payload"]["previous"] == previous[0]:
            row["payload"]["previous"] = previous[1]
        old = row["hash"]
        row["payload"]["actor"] = "Mallory"
        row["hash"] = hashlib.sha256(
            json.dumps(row["payload"], sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        ).hexdigest()
        previous = (old, row["hash"])
    files["audit.jsonl"] = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
    pem = serialization.Encoding.PEM
    files["certificates/root.pem"] = root.public_bytes(pem)
    files["certificates/seal-ca.pem"] = issuer.public_bytes(pem)
    files["certificates/evidence-seal.pem"] = seal.public_bytes(pem)
    manifest = json.loads(files["manifest.json"])
    manifest["parts"] = {
        name: hashlib.sha256(data).hexdigest()
        for name, data in files.items()
        if name not in ("manifest.json", "manifest.sig")
    }
    files["manifest.json"] = json.dumps(manifest, sort_keys=True).encode()
    files["manifest.sig"] = seal_key.sign(files["manifest.json"], ec.ECDSA(hashes.SHA256()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, data in files.items():
            target.writestr(name, data)
    return buffer.getvalue()


def test_the_shipped_checker_never_calls_a_package_made_under_another_root_ok(world, approved_alpha, tmp_path):
    _document, _package, archive, _report, _deliveries = build_package(approved_alpha, world.alice)
    forged = _forged(archive)
    platform_root = pki.certificate(pki.Role.ROOT).fingerprint(hashes.SHA256()).hex()

    # Without the platform's root to compare with, the checker cannot say OK.
    unpinned = run_checker(tmp_path, forged)
    assert unpinned.returncode == 1, unpinned.stdout
    assert "OK: every part checks" not in unpinned.stdout
    assert "FAILED certificates/root.pem:" in unpinned.stdout and "--root-sha256" in unpinned.stdout
    pinned = run_checker(tmp_path, forged, "--root-sha256", platform_root)
    assert pinned.returncode == 1 and "FAILED certificates/root.pem: not the root you expect" in pinned.stdout
    # The genuine package checks against the platform's root.
    genuine = run_checker(tmp_path, archive, "--root-sha256", platform_root)
    assert genuine.returncode == 0 and "OK: every part checks" in genuine.stdout, genuine.stdout
