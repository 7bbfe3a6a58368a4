"""Completion: the signed PDF and the certificate delivered into each party company's own
documents, in that company's schema."""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from documents.services.versions import document_receive
from tenants.models import Company


def final_copies_deliver(*, envelope, final_pdf: bytes, certificate_pdf: bytes, final_format: str = "pdf") -> int:
    """Runs inside the owner's completion transaction: one copy of the signed PDF and of
    the certificate in each other party company's documents."""
    owner = Company.objects.get(schema_name=connection.schema_name)
    company_ids = {
        company_id
        for company_id in envelope.parties.exclude(company_id=None).values_list("company_id", flat=True)
        if company_id != owner.pk
    }
    delivered = 0
    for company in Company.objects.filter(pk__in=company_ids):
        with tenant_context(company):
            label = _("From %(owner)s (envelope)") % {"owner": owner.name}
            document_receive(name=f"{envelope.name}.{final_format}", data=final_pdf, source_label=label)
            document_receive(name=f"{envelope.name}-certificate.pdf", data=certificate_pdf, source_label=label)
        delivered += 1
    return delivered
