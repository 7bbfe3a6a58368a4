from __future__ import annotations

import logging

from config.celery import app
from documents.pdf.inspect import is_permanent
from documents.services import document_previews_render, document_seal_execute, document_seal_give_up

logger = logging.getLogger(__name__)


@app.task(bind=True, acks_late=True, max_retries=3, default_retry_delay=2)
def document_seal(self, grant_id: str) -> dict:
    """Runs in the tenant schema that queued it (tenant-schemas-celery). Takes only the
    grant id; everything secret stays in the database."""
    try:
        version = document_seal_execute(grant_id=grant_id)
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


@app.task(acks_late=True, max_retries=2, default_retry_delay=5)
def document_previews(version_id: str, first_page: int = 0, copy_from_id: str | None = None, drawn_pages=None) -> int:
    """Page images for a version, ahead of the person opening it: one chunk of pages per
    job, the next chunk queued behind whatever arrived meanwhile. Safe to repeat."""
    from documents.services import PREVIEW_PAGES_PER_TASK

    return document_previews_render(
        version_id=version_id,
        first_page=first_page,
        page_limit=PREVIEW_PAGES_PER_TASK,
        copy_from_id=copy_from_id,
        drawn_pages=drawn_pages,
        queue_rest=True,
    )


@app.task
def document_seal_requeue_stale_all() -> int:
    """Beat: look in every company for sealing jobs whose worker died, and queue them again."""
    from django_tenants.utils import tenant_context

    from documents.services import document_seal_requeue_stale
    from tenants.models import Company

    total = 0
    for company in Company.objects.exclude(schema_name="public").filter(status=Company.Status.ACTIVE):
        with tenant_context(company):
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
