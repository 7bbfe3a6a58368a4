"""Levels and archive timestamps: the company's PAdES level (tenants.Company.signature_level)
decides whether seals and signatures carry validation data (B-LT) and which documents get
an archive timestamp (B-LTA); the renewal job adds the next archive timestamp before the
newest one's TSA certificate expires, as a new version, audited."""

from __future__ import annotations

import datetime as dt
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.authority import current_company
from config.row_locks import lock_row
from documents.models import Document, DocumentVersion
from documents.pdf.archive import ArchiveChainBroken, archive_timestamp_add, newest_timestamp
from documents.pdf.inspect import PageBox, PdfInfo
from documents.pdf.structure import InvalidPdf
from documents.pdf.timestamping import LongTermValidation
from documents.services.previews import previews_queue
from documents.services.reading import sha256_of
from documents.services.signers import platform_timestamping, platform_trust_roots_pem
from documents.services.versions import document_version_create
from documents.stored_files import stored_files_removed_on_failure
from events.services import audit_event_record
from tenants.models import Company

logger = logging.getLogger(__name__)

Level = Company.SignatureLevel


def signature_level() -> str:
    """The level of the company whose schema is current."""
    return current_company().signature_level


def long_term_on_signatures() -> bool:
    """B-LT and B-LTA: every seal and signature carries its validation data."""
    return signature_level() != Level.B_T


def archive_on_sealing() -> bool:
    """B-LTA: a directly sealed document gets an archive timestamp too."""
    return signature_level() == Level.B_LTA


def archive_on_completion() -> bool:
    """B-LT (the default) and B-LTA: a completed envelope's final document is B-LTA."""
    return signature_level() != Level.B_T


def renewal_margin() -> timedelta:
    return timedelta(days=settings.ARCHIVE_RENEWAL_MARGIN_DAYS)


def archive_timestamp_for(data: bytes) -> tuple[bytes, dt.datetime]:
    """`data` with an archive timestamp from the configured TSAs, and when that timestamp's
    TSA certificate expires (the renewal is due before). Raises TimestampUnavailable
    (wait and retry) or ArchiveChainBroken."""
    archived = archive_timestamp_add(
        data,
        timestamping=platform_timestamping(),
        validation=LongTermValidation(trust_roots_pem=platform_trust_roots_pem()),
    )
    newest = newest_timestamp(archived)
    assert newest is not None and newest.archive  # noqa: S101 (the timestamp just added)
    return archived, newest.tsa_not_after


def archive_timestamps_due(*, now: dt.datetime | None = None, margin: timedelta | None = None) -> list:
    """Current versions (of this company) whose newest archive timestamp's TSA certificate
    expires within `margin` of `now`."""
    horizon = (now or timezone.now()) + (margin if margin is not None else renewal_margin())
    return list(
        Document.objects.filter(
            current_version__archive_renew_by__isnull=False, current_version__archive_renew_by__lte=horizon
        ).values_list("current_version_id", flat=True)
    )


def archive_timestamp_renew(
    *, version_id, now: dt.datetime | None = None, margin: timedelta | None = None
) -> DocumentVersion | None:
    """The next archive timestamp for a document whose current version is `version_id`, as a
    new version. Safe to run twice: only the current version is renewed, only when due, and
    only when the new timestamp's TSA certificate lasts longer than the one it renews (a TSA
    whose own certificate is about to expire is not asked again and again)."""
    horizon = (now or timezone.now()) + (margin if margin is not None else renewal_margin())
    with stored_files_removed_on_failure(), transaction.atomic():
        base = lock_row(DocumentVersion, pk=version_id)
        document = lock_row(Document, pk=base.document_id)
        if document.current_version_id != base.pk or base.archive_renew_by is None or base.archive_renew_by > horizon:
            return None
        with base.file.open("rb") as handle:
            data = handle.read()
        if sha256_of(data) != base.sha256:
            logger.error("archive renewal: version %s does not match its fingerprint", base.pk)
            return None
        try:
            archived, renew_by = archive_timestamp_for(data)
        except (ArchiveChainBroken, InvalidPdf) as error:
            if isinstance(error, ArchiveChainBroken) and base.archive_renew_by > timezone.now():
                # e.g. the OCSP responder is away: the next run tries again
                logger.warning("archive renewal of %s postponed: %s", base.pk, error)
                return None
            # Renewed too late, or a file that cannot be read: nothing a later run could fix, stop asking.
            base.archive_renew_by = None
            base.save(update_fields=["archive_renew_by"])
            audit_event_record(
                acting_user=None,
                action="document.archive_chain_broken",
                target=document,
                data={"version": base.number, "reason": str(error)[:200]},
            )
            return None
        if renew_by <= base.archive_renew_by:
            logger.warning(
                "archive renewal of %s skipped: the TSA certificate expires no later than the one it renews", base.pk
            )
            return None
        version = document_version_create(
            document=document,
            number=base.number + 1,
            kind=DocumentVersion.Kind.ARCHIVED,
            data=archived,
            info=PdfInfo(
                page_count=base.page_count,
                pages=[PageBox(**page) for page in base.pages],
                signatures=[None] * (base.signature_count + 1),
                sealing_refusal=base.sealing_refusal,
            ),
            label="Sealhub",
            active_content=base.active_content,
        )
        version.archive_renew_by = renew_by
        version.save(update_fields=["archive_renew_by"])
        previews_queue(version, copy_from=base, drawn_pages=set())
        audit_event_record(
            acting_user=None,
            action="document.archive_timestamp_renewed",
            target=document,
            data={
                "version": version.number,
                "sha256": version.sha256,
                "renewed_version": base.number,
                "previous_tsa_expiry": base.archive_renew_by.isoformat(),
                "tsa_expiry": renew_by.isoformat(),
            },
        )
        return version


def archive_timestamps_renew(*, now: dt.datetime | None = None, margin: timedelta | None = None) -> int:
    """The renewals due in the current company; how many versions were made. A TSA that
    does not answer stops this run (TimestampUnavailable): the next run tries again."""
    made = 0
    for version_id in archive_timestamps_due(now=now, margin=margin):
        if archive_timestamp_renew(version_id=version_id, now=now, margin=margin) is not None:
            made += 1
    return made
