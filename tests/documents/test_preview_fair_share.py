"""A flood of uploads from one company does not starve another: while company A's page-image
jobs for a pile of long files keep the bulk worker busy, company B's page images come next
after A's current job (config/fair_share.py), and B's seal, on the urgent queue, finishes
too. Real workers as production runs them: one on the urgent queue, one on the bulk one."""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings
from django.db.models import Sum
from django.test import override_settings
from django_tenants.utils import tenant_context

from config.queues import BULK, PERIODIC, URGENT, queue_names
from documents.models import DocumentVersion, SigningGrant
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_request
from documents.services.versions import document_upload
from tenants.models import Company
from tests.conftest import start_celery_worker, stop_celery_worker, totp_now
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import SEAL_PASSWORD, committed_cleanup, signatory

pytestmark = pytest.mark.integration

FLOOD_FILES = 8
FLOOD_PAGES = 20  # one page-image job each (PREVIEW_PAGES_PER_TASK)


@pytest.fixture
def two_companies(django_db_blocker, django_db_setup):
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        made = []
        try:
            flood = signatory("floodco", "Flood Co", 21)
            made.append(flood.company)
            calm = signatory("calmco", "Calm Co", 22)
            made.append(calm.company)
            yield flood, calm
        finally:
            committed_cleanup(alpha, made)


@pytest.fixture
def workers(two_companies):
    """Each company has one slot of the bulk queue; an urgent and a bulk worker."""
    queues = queue_names(settings.CELERY_TASK_DEFAULT_QUEUE)
    environment = {"PREVIEW_JOBS_PER_COMPANY": "1"}
    with override_settings(PREVIEW_JOBS_PER_COMPANY=1):
        started = [
            start_celery_worker(
                queue=settings.CELERY_TASK_DEFAULT_QUEUE,
                name=f"fair-{kind}-{os.getpid()}",
                pool="prefork",
                queues=names,
                environment=environment,
            )
            for kind, names in (("urgent", queues[URGENT]), ("bulk", f"{queues[BULK]},{queues[PERIODIC]}"))
        ]
        try:
            yield
        finally:
            for worker in started:
                stop_celery_worker(worker)


def _pages_ready(company: Company) -> tuple[int, int]:
    with tenant_context(company):
        totals = DocumentVersion.objects.aggregate(ready=Sum("previews_ready"), pages=Sum("page_count"))
    return totals["ready"] or 0, totals["pages"] or 0


def test_another_companys_page_images_and_seal_finish_while_one_company_floods(two_companies, workers):
    flood, calm = two_companies
    with tenant_context(flood.company):
        for number in range(FLOOD_FILES):
            document_upload(
                name=f"scan-{number}.pdf", data=make_pdf(FLOOD_PAGES, text=f"Scan {number}"), acting_user=flood.user
            )
    with tenant_context(calm.company):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=calm.user)
        placement_add(
            document=document, company=calm.company, seal_id=calm.seal.pk, page=0, x=380, y=80, acting_user=calm.user
        )
        grant = document_seal_request(
            document=document,
            company=calm.company,
            seal_id=calm.seal.pk,
            user=calm.user,
            seal_password=SEAL_PASSWORD,
            otp_method="authenticator",
            otp_code=totp_now(calm.device, 1),
        )

    deadline = time.monotonic() + 120
    while True:
        with tenant_context(calm.company):
            sealed = SigningGrant.objects.get(pk=grant.pk).status == "done"
            original = DocumentVersion.objects.get(document=document, number=1)
        if sealed and original.previews_ready == 1:
            break
        assert time.monotonic() < deadline, "company B's page images or seal did not finish"
        time.sleep(0.1)
    flood_ready, flood_pages = _pages_ready(flood.company)
    assert flood_pages == FLOOD_FILES * FLOOD_PAGES
    # B went after at most one job of A's: most of A's pages were still to do.
    assert flood_ready <= flood_pages // 2, f"B waited until A had {flood_ready} of {flood_pages} pages"

    # A's flood is not dropped: every page image is made, one job after another.
    deadline = time.monotonic() + 240
    while _pages_ready(flood.company)[0] < flood_pages:
        assert time.monotonic() < deadline, f"A's page images stopped at {_pages_ready(flood.company)}"
        time.sleep(0.5)
    with tenant_context(calm.company):  # and B's sealed version got its page image too
        assert _wait_previews(calm.company, document, number=2)


def _wait_previews(company: Company, document, *, number: int) -> bool:
    deadline = time.monotonic() + 60
    while True:
        with tenant_context(company):
            version = DocumentVersion.objects.get(document=document, number=number)
        if version.previews_ready == version.page_count:
            return True
        assert time.monotonic() < deadline, f"version {number} has {version.previews_ready} page images"
        time.sleep(0.2)
