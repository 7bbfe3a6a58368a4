"""Completing an envelope once every party acted: the document timestamped, the
certificate of completion, copies to every party company, the mails; and the owner's
download of the results (part of the evidence trail)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import on_commit_enqueue
from config.errors import ApplicationError
from config.row_locks import lock_row, lock_row_or_none
from documents.list_cache import document_list_changes_batched
from documents.models import Document, DocumentVersion
from documents.pdf.fields import document_timestamp_add
from documents.pdf.inspect import PageBox, PdfInfo
from documents.services.archive import archive_on_completion, archive_timestamp_for
from documents.services.evidence import evidence_package_queue
from documents.services.reading import sha256_of
from documents.services.signers import platform_timestamping
from documents.services.versions import document_version_create
from documents.stored_files import stored_file_note, stored_files_removed_on_failure
from workflows.certificate import completion_certificate_pdf
from workflows.cross_tenant.copies import final_copies_deliver
from workflows.envelope_routes import routes_close
from workflows.envelopes.rules import acting_parties
from workflows.envelopes.trail import envelope_event_record, envelope_webhook
from workflows.models import Envelope, Party
from workflows.tasks import envelope_mail, envelope_mail_owner


def envelope_complete(*, envelope_id) -> Envelope | None:
    """Worker: close the document with a timestamp, write the certificate of completion,
    deliver copies to every party company and mail the results. Safe to run twice."""

    # A failed attempt rolls back its rows and deletes its files; the task retries.
    with stored_files_removed_on_failure(), transaction.atomic():
        envelope = lock_row_or_none(Envelope, pk=envelope_id)
        if envelope is None or envelope.status != Envelope.Status.IN_PROGRESS:
            return envelope
        if acting_parties(envelope).exclude(status=Party.Status.COMPLETED).exists():
            return envelope
        document = lock_row(Document, pk=envelope.document_id)
        base = document.current_version
        with base.file.open("rb") as handle:
            data = handle.read()
        if sha256_of(data) != base.sha256:
            envelope.problem = f"fingerprint_mismatch:{base.number}"
            envelope.save(update_fields=["problem"])
            envelope_event_record(
                envelope=envelope, action="integrity_alert", actor_label="Sealhub", data={"version": base.number}
            )
            return envelope
        renew_by = None
        if archive_on_completion():  # B-LTA: validation data for the newest timestamp, then an archive timestamp
            final, renew_by = archive_timestamp_for(data)
        else:  # B-T: a closing document timestamp only
            final = document_timestamp_add(data, platform_timestamping())
        info = PdfInfo(
            page_count=base.page_count,
            pages=[PageBox(**page) for page in base.pages],
            signatures=[None] * (base.signature_count + 1),
        )
        with document_list_changes_batched():  # the owner's and every party company's documents
            version = document_version_create(
                document=document,
                number=base.number + 1,
                kind=DocumentVersion.Kind.TIMESTAMPED,
                data=final,
                info=info,
                label="Sealhub",
                active_content=base.active_content,
            )
            if renew_by is not None:
                version.archive_renew_by = renew_by
                version.save(update_fields=["archive_renew_by"])
            _complete_and_deliver(envelope, version, final)
        routes_close(envelope=envelope, status="done")
        on_commit_enqueue(envelope_mail_owner, str(envelope.pk), "completed")
        if envelope.send_final_to_all:
            for party_id in envelope.parties.values_list("pk", flat=True):
                on_commit_enqueue(envelope_mail, str(party_id), "completed")
        return envelope


def _complete_and_deliver(envelope: Envelope, version: DocumentVersion, final: bytes) -> None:
    envelope.status = Envelope.Status.COMPLETED
    envelope.finished_at = timezone.now()
    envelope.final_version = version
    envelope.save(update_fields=["status", "finished_at", "final_version"])
    envelope_event_record(
        envelope=envelope,
        action="completed",
        actor_label="Sealhub",
        data={"version": version.number, "sha256": sha256_of(final)},
    )
    envelope_webhook(envelope, "envelope.completed", version=version.number, sha256=version.sha256)
    evidence_package_queue(version=version, envelope_id=envelope.pk)
    certificate = completion_certificate_pdf(envelope=envelope, final_sha256=version.sha256)
    envelope.certificate.save("certificate-of-completion.pdf", ContentFile(certificate), save=False)
    stored_file_note(envelope.certificate)
    envelope.save(update_fields=["certificate"])
    final_copies_deliver(envelope=envelope, final_pdf=final, certificate_pdf=certificate)


def envelope_file_read(*, envelope: Envelope, which: str, actor_label: str, ip_address=None) -> tuple[str, bytes]:
    """The final PDF or the certificate of completion, once complete; the download is
    part of the audit trail."""
    file = envelope.final_version.file if which == "final" and envelope.final_version else envelope.certificate
    if envelope.status != Envelope.Status.COMPLETED or not file:
        raise ApplicationError(_("The envelope is not complete yet."), "not_completed", status=404)
    with file.open("rb") as handle:
        data = handle.read()
    envelope_event_record(
        envelope=envelope, action="downloaded", actor_label=actor_label, ip_address=ip_address, data={"file": which}
    )
    suffix = "" if which == "final" else "-certificate"
    return f"{envelope.name}{suffix}.pdf", data
