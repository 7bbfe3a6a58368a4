"""The archive renewal beat job walks every company: a document in one company that cannot
take another archive timestamp (here a stored version pyHanko cannot read) must neither stop
the job nor keep the other companies' due documents from being looked at."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q
from django_tenants.utils import tenant_context

from documents.models import Document, DocumentVersion
from documents.pdf.inspect import PageBox, PdfInfo
from documents.services.versions import document_upload, document_version_create
from documents.tasks import archive_timestamps_renew_all
from events.models import AuditEvent
from tests.documents.pdfs import make_pdf

UNREADABLE = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _due_unreadable_version(company, user) -> tuple[str, str]:
    """A document whose current version is due for renewal and cannot be read as a PDF."""
    with tenant_context(company):
        document = document_upload(name="contract.pdf", data=make_pdf(), acting_user=user)
        base = document.current_version
        version = document_version_create(
            document=document,
            number=base.number + 1,
            kind=DocumentVersion.Kind.ARCHIVED,
            data=UNREADABLE,
            info=PdfInfo(page_count=base.page_count, pages=[PageBox(**page) for page in base.pages]),
            label="Sealhub",
        )
        DocumentVersion.objects.filter(pk=version.pk).update(
            archive_renew_by=dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        )
        return str(document.pk), str(version.pk)


@pytest.mark.django_db
def test_one_companys_unreadable_document_does_not_stop_renewal_in_the_others(world):
    due = {
        world.alpha: _due_unreadable_version(world.alpha, world.alice),
        world.beta: _due_unreadable_version(world.beta, world.charlie),
    }

    result = archive_timestamps_renew_all.apply()

    assert result.successful(), result.traceback
    assert result.get() == 0
    for company, (document_id, version_id) in due.items():
        with tenant_context(company):
            # Looked at, found unable to take another link, and no longer asked about.
            assert DocumentVersion.objects.get(pk=version_id).archive_renew_by is None
            assert str(Document.objects.get(pk=document_id).current_version_id) == version_id
            assert (
                AuditEvent.objects.filter(Q(action="document.archive_chain_broken"), target_id=document_id).count() == 1
            )
