from __future__ import annotations

import logging

from config.celery import app
from documents.pdf.inspect import is_permanent
from documents.pdf.timestamping import TimestampUnavailable
from tenants.iteration import for_each_company

# The services import these tasks to queue them, so each task imports its service inside
# its body (a Celery task breaking a cycle).

logger = logging.getLogger(__name__)

# While no TSA answers well, a sealing job is tried again this often, until its grant
# expires (GRANT_LIFETIME): it never signs without a timestamp.
TIMESTAMP_RETRY_SECONDS = 15
TIMESTAMP_MAX_RETRIES = 20


@app.task(bind=True, acks_late=True, max_retries=3, default_retry_delay=2)
def document_seal(self, grant_id: str, timestamp_waits: int = 0) -> dict:
    """Runs in the tenant schema that queued it (tenant-schemas-celery). Takes only the
    grant id; everything secret stays in the database."""
    from documents.services.sealing import (
        document_seal_execute,
        document_seal_give_up,
        document_seal_wait_for_timestamp,
    )

    try:
        version = document_seal_execute(grant_id=grant_id)
    except TimestampUnavailable as exc:
        if timestamp_waits >= TIMESTAMP_MAX_RETRIES:
            logger.warning("no timestamp for grant %s (%s); giving up", grant_id, exc)
            document_seal_give_up(grant_id=grant_id, error=f"timestamp_{exc.reason}")
            return {"grant": grant_id, "version": None}
        logger.warning("no timestamp for grant %s (%s); waiting", grant_id, exc)
        document_seal_wait_for_timestamp(grant_id=grant_id, error=exc)
        document_seal.apply_async((grant_id, timestamp_waits + 1), countdown=TIMESTAMP_RETRY_SECONDS)
        return {"grant": grant_id, "version": None, "waiting": exc.reason}
    except Exception as exc:
        if is_permanent(exc):  # the file forbids it (documents/pdf/structure.py): no retry can help
            logger.warning("sealing refused for grant %s: %s", grant_id, exc.code)
            document_seal_give_up(grant_id=grant_id, error=exc.code)
            return {"grant": grant_id, "version": None, "refused": exc.code}
        if self.request.retries >= self.max_retries:
            logger.exception("sealing failed for grant %s; giving up", grant_id)
            document_seal_give_up(grant_id=grant_id)
            raise
        logger.exception("sealing failed for grant %s; will retry", grant_id)
        raise self.retry(exc=exc) from exc
    return {"grant": grant_id, "version": version.number if version else None}


# A failure (storage or database away) is tried again, later and later; the images already
# stored stay, so a retry renders only what is missing.
@app.task(acks_late=True, autoretry_for=(Exception,), max_retries=6, retry_backoff=2, retry_backoff_max=120)
def document_previews(
    version_id: str, first_page: int = 0, copy_from_id: str | None = None, drawn_pages=None, share_slot=None
) -> int:
    """Page images for a version, ahead of the person opening it: one chunk of pages per
    job, the next chunk queued behind whatever arrived meanwhile. Safe to repeat. Holds one
    of its company's fair-share slots (config/fair_share.py), freed when it ends."""
    from documents.services.previews import PREVIEW_PAGES_PER_TASK, document_previews_render, previews_slot_release

    try:
        return document_previews_render(
            version_id=version_id,
            first_page=first_page,
            page_limit=PREVIEW_PAGES_PER_TASK,
            copy_from_id=copy_from_id,
            drawn_pages=drawn_pages,
            queue_rest=True,
        )
    finally:
        previews_slot_release(slot=share_slot)


@app.task
def document_seal_requeue_stale_all() -> int:
    """Beat: look in every company for sealing jobs whose worker died, and queue them again."""
    from documents.services.sealing import document_seal_requeue_stale

    total = 0
    for _company in for_each_company():
        total += document_seal_requeue_stale()
    return total


@app.task(bind=True, acks_late=True, max_retries=3, default_retry_delay=2)
def document_seal_session_finish(self, session_id: str) -> dict:
    """Embeds a U-key's signature; takes only the session id."""
    from documents.signing_sessions import signing_session_finish_execute, signing_session_give_up

    try:
        version = signing_session_finish_execute(session_id=session_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            logger.exception("finishing the U-key signature failed for session %s; giving up", session_id)
            signing_session_give_up(session_id=session_id)
            raise
        logger.exception("finishing the U-key signature failed for session %s; will retry", session_id)
        raise self.retry(exc=exc) from exc
    return {"session": session_id, "version": version.number if version else None}


@app.task
def archive_timestamps_renew_all() -> int:
    """Beat: in every company, the archive timestamps whose TSA certificate expires within
    the margin get their successor (documents/services/archive.py)."""
    from documents.services.archive import archive_timestamps_renew

    total = 0
    for company in for_each_company():
        try:
            total += archive_timestamps_renew()
        except TimestampUnavailable as exc:  # the next run asks again; nothing was stored
            logger.warning("archive renewal in %s waits for a timestamp (%s)", company.slug, exc.reason)
        except Exception:  # one company's failure must not keep the others' renewals waiting
            logger.exception("archive renewal in %s failed; the next run tries again", company.slug)
    return total


@app.task(bind=True, acks_late=True, max_retries=5, default_retry_delay=60)
def evidence_package_job(self, package_id: str) -> str:
    """Bulk queue: build one evidence package. No TSA answering is a wait like any other
    failure here (nobody is waiting at a screen); after the last try the package says failed."""
    from documents.services.evidence import evidence_package_attempted, evidence_package_build, evidence_package_fail

    evidence_package_attempted(package_id=package_id)
    try:
        package = evidence_package_build(package_id=package_id)
    except Exception as exc:
        reason = f"timestamp_{exc.reason}" if isinstance(exc, TimestampUnavailable) else type(exc).__name__
        if self.request.retries >= self.max_retries:
            logger.exception("evidence package %s failed; giving up", package_id)
            evidence_package_fail(package_id=package_id, error=reason)
            raise
        logger.warning("evidence package %s failed (%s); will retry", package_id, reason)
        raise self.retry(exc=exc) from exc
    return package.status if package is not None else "gone"
