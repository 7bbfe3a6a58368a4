"""Evidence packages (出证): queued when a standalone sealing produced a version or an
envelope completed, built by a job on the bulk queue, downloaded by those who may read the
audit trail. What goes in is described in docs/evidence.md."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check_for
from config.celery import on_commit_enqueue
from config.errors import ApplicationError
from config.row_locks import lock_row_or_none
from documents.hooks import envelope_evidence
from documents.models import Document, DocumentVersion, EvidencePackage, SigningGrant, SigningSession
from documents.pdf.evidence import (
    audit_lines,
    evidence_archive,
    evidence_report_seal,
    fingerprints,
    ofd_signed_parts,
    signed_file_parts,
)
from documents.pdf.report import evidence_report_pdf
from documents.pdf.sign import SigningKey
from documents.selectors import evidence_package_list
from documents.services.reading import sha256_of
from documents.services.signers import (
    certificate_pem,
    platform_chain_pem,
    platform_long_term,
    platform_timestamping,
)
from documents.stored_files import stored_file_note, stored_files_removed_on_failure
from documents.tasks import evidence_package_job
from documents.verification import document_verify, report_as_dict
from events.models import AuditEvent
from events.selectors import audit_events_about
from events.services import audit_chain_extend, audit_event_payload, audit_event_record, audit_events_verify
from events.webhooks import webhook_event_emit
from seals import pki
from seals.models import Seal
from tenants.models import Company

# Evidence shows times where the seal was used: Beijing time, and says so.
SHOWN_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


def shown_time(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(SHOWN_ZONE).strftime("%Y-%m-%d %H:%M:%S (Asia/Shanghai, UTC+08:00)")


def evidence_package_queue(*, version: DocumentVersion, envelope_id=None) -> EvidencePackage | None:
    """One package per finished version (PDF or OFD); its job is queued when the caller
    commits."""
    package, created = EvidencePackage.objects.get_or_create(
        version=version, defaults={"document_id": version.document_id, "envelope_id": envelope_id}
    )
    if created:
        on_commit_enqueue(evidence_package_job, str(package.pk))
    return package


def evidence_package_build(*, package_id) -> EvidencePackage | None:
    """Worker: the report sealed by the platform at B-LTA and the ZIP, stored, announced
    (`evidence.ready`). Safe to run twice; a failed attempt leaves no file behind."""
    audit_chain_extend()  # rows whose link step has not run yet join the chain first
    with stored_files_removed_on_failure(), transaction.atomic():
        package = lock_row_or_none(EvidencePackage, pk=package_id)
        if package is None or package.status == EvidencePackage.Status.READY:
            return package
        version = package.version
        with version.file.open("rb") as handle:
            final = handle.read()
        if sha256_of(final) != version.sha256:  # no evidence for a file that is not the one sealed
            package.status, package.error = EvidencePackage.Status.FAILED, "fingerprint_mismatch"
            package.save(update_fields=["status", "error"])
            return package
        company = Company.objects.get(schema_name=connection.schema_name)
        evidence_key, evidence_cert = pki.authority(pki.Role.EVIDENCE)
        chain_pem = platform_chain_pem()
        signing_key = SigningKey(
            private_key=evidence_key, certificate_pem=certificate_pem(evidence_cert), chain_pem=chain_pem
        )
        content = _envelope_content(package) if package.envelope_id else _sealing_content(package, company)
        verification = report_as_dict(document_verify(data=final, appearances=False))
        report = evidence_report_pdf(
            {
                **content,
                "id": str(package.pk),
                "company": company.name,
                "generated_at": shown_time(timezone.now()),
                "files": _files(package, final),
                "verification": verification,
            }
        )
        report = evidence_report_seal(
            report,
            signing_key=signing_key,
            timestamping=platform_timestamping(),
            long_term=platform_long_term(chain_pem),
        )
        final_name = "final.pdf" if final.lstrip()[:5] == b"%PDF-" else "final.ofd"
        parts = {final_name: final, "report.pdf": report, "audit.jsonl": audit_lines(content["audit_rows"])}
        carried_parts = [signed_file_parts(report, prefix="report")]
        if final_name == "final.pdf":
            carried_parts.append(signed_file_parts(final, prefix="final"))
        else:  # its GB/T 38540 signatures: their certificates and SES_Signature timestamps
            carried_parts.append(ofd_signed_parts(final, prefix="final"))
        for carried in carried_parts:
            parts.update(carried.certificates | carried.timestamps | carried.revocation)
        archive = evidence_archive(parts=parts, signing_key=signing_key, created_at=timezone.now())
        package.report.save("report.pdf", ContentFile(report), save=False)
        stored_file_note(package.report)
        package.archive.save("evidence.zip", ContentFile(archive), save=False)
        stored_file_note(package.archive)
        package.archive_sha256 = sha256_of(archive)
        package.status, package.ready_at, package.error = EvidencePackage.Status.READY, timezone.now(), ""
        package.save()
        audit_event_record(
            acting_user=None,
            action="document.evidence_ready",
            target=package.document,
            data={"version": version.number, "package": str(package.pk), "sha256": package.archive_sha256},
        )
        webhook_event_emit(
            event_type="evidence.ready",
            data={
                "document_id": str(package.document_id),
                "envelope_id": str(package.envelope_id) if package.envelope_id else None,
                "package_id": str(package.pk),
                "version": version.number,
                "sha256": package.archive_sha256,
            },
        )
        return package


@transaction.atomic
def evidence_package_fail(*, package_id, error: str) -> None:
    package = lock_row_or_none(EvidencePackage, pk=package_id)
    if package is not None and package.status != EvidencePackage.Status.READY:
        package.status, package.error = EvidencePackage.Status.FAILED, error[:200]
        package.save(update_fields=["status", "error"])


def evidence_package_attempted(*, package_id) -> None:
    EvidencePackage.objects.filter(pk=package_id).update(attempts=F("attempts") + 1)


def evidence_package_read(
    *, document: Document, acting_user, company, which: str, ip_address=None
) -> tuple[str, str, bytes]:
    """The newest ready package's ZIP or report, for those who may read the audit trail;
    the download is audited. (filename, content type, bytes)."""
    authority_check_for(acting_user=acting_user, company=company, action=Action.EVIDENCE_READ)
    package = evidence_package_list(document=document).filter(status=EvidencePackage.Status.READY).first()
    if package is None:
        raise ApplicationError(_("There is no evidence package for this document yet."), "not_ready", status=404)
    file = package.archive if which == "archive" else package.report
    with file.open("rb") as handle:
        data = handle.read()
    audit_event_record(
        acting_user=acting_user,
        action="document.evidence_downloaded",
        target=document,
        ip_address=ip_address,
        data={"package": str(package.pk), "file": which},
    )
    stem = f"{document.name.removesuffix('.pdf').removesuffix('.ofd')}-v{package.version.number}-evidence"
    if which == "archive":
        return f"{stem}.zip", "application/zip", data
    return f"{stem}.pdf", "application/pdf", data


# --- what goes in ------------------------------------------------------------------------


def _files(package: EvidencePackage, final: bytes) -> list[dict]:
    original = package.document.versions.order_by("number").first()
    files = []
    if original is not None and original.pk != package.version_id:
        with original.file.open("rb") as handle:
            files.append({"label": "原文件 Original", "name": package.document.name, **_described(handle.read())})
    files.append(
        {"label": f"最终文件 Final (v{package.version.number})", "name": package.document.name, **_described(final)}
    )
    return files


def _described(data: bytes) -> dict:
    return {"size": len(data), **fingerprints(data)}


def willingness_text(data: dict) -> str:
    """The willingness check (意愿认证) an event records, in words."""
    check = data.get("willingness") or {}
    method = check.get("code_method") or data.get("method") or ""
    if check.get("seal_password") or (data.get("seal") and data.get("method")):
        return f"印章密码 + 一次性码 seal password + one-time code ({method})"
    if method:
        return f"一次性码 one-time code ({method})"
    return ""


def _sealing_content(package: EvidencePackage, company: Company) -> dict:
    document = package.document
    rows = list(audit_events_about(target_type=type(document).__name__, target_id=str(document.pk)))
    # From the row before the document's first event (it anchors that event) to the newest.
    linked = [row.sequence for row in rows if row.sequence is not None]
    from_sequence = max(1, min(linked) - 1) if linked else 1
    intact, broken_at = audit_events_verify(from_sequence=from_sequence)
    return {
        "subject": document.name,
        "kind_label": "单独盖章 Standalone sealing",
        "parties": _sealers(package, company),
        "events": [_event_shown(row) for row in rows],
        "chain": {
            "name": "company audit trail",
            "intact": intact,
            "broken_at": broken_at,
            "from_sequence": from_sequence,
        },
        "audit_rows": [
            {"sequence": row.sequence, "hash": row.hash, "previous_hash": row.previous_hash, "payload": _payload(row)}
            for row in rows
        ],
    }


def _payload(row: AuditEvent) -> dict:
    return audit_event_payload(row)


def _event_shown(row: AuditEvent) -> dict:
    return {
        "sequence": row.sequence,
        "occurred_at": shown_time(row.occurred_at),
        "action": row.action_label,
        "actor": row.actor_label,
        "ip": row.ip_address or "",
        "user_agent": (row.data or {}).get("user_agent", ""),
        "willingness": willingness_text(row.data or {}),
        "hash": row.hash,
        "previous": row.previous_hash,
    }


def _sealers(package: EvidencePackage, company: Company) -> list[dict]:
    """Who sealed the document up to this version, from the jobs that produced its versions."""
    versions = package.document.versions.filter(number__lte=package.version.number, kind=DocumentVersion.Kind.SEALED)
    parties = []
    for order, version in enumerate(versions.order_by("number"), start=1):
        grant = SigningGrant.objects.filter(pk=version.grant_id).first() if version.grant_id else None
        session = SigningSession.objects.filter(result_version=version).first()
        job = grant or session
        seal = Seal.objects.filter(pk=job.seal_id).first() if job is not None and job.seal_id else None
        seal_text = f"{seal.name} ({seal.code})" if seal is not None else ""
        parties.append(
            {
                "order": order,
                "name": job.user_label if job is not None else version.created_by_label,
                "role": "盖章 Sealed" + (" · U-key" if session is not None else ""),
                "contact": f"{company.name} · {seal_text}",
                "status": f"v{version.number}",
                "acted_at": shown_time(version.created_at),
            }
        )
    return parties


def _envelope_content(package: EvidencePackage) -> dict:
    content = envelope_evidence().evidence(envelope_id=package.envelope_id)
    for party in content["parties"]:
        party["acted_at"] = shown_time(party["acted_at"])
    audit_rows = [
        {"sequence": e["sequence"], "hash": e["hash"], "previous_hash": e["previous"], "payload": e.pop("payload")}
        for e in content["events"]
    ]
    for event in content["events"]:
        event["occurred_at"] = shown_time(event["occurred_at"])
        event["willingness"] = willingness_text(event.pop("data", {}) or {})
    return {**content, "kind_label": "多方签署 Envelope", "audit_rows": audit_rows}
