"""Text lines of a page for snapping a placed box: found by pdfium in user space, served
per page to whoever may read the document, and to nobody else."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from documents.pdf.keyword import text_lines
from documents.services.versions import document_upload
from tests.conftest import client_on
from tests.documents.pdfs import make_pdf

pytestmark = pytest.mark.django_db


def test_the_baselines_of_a_pages_text_are_its_lines():
    # make_pdf draws "Contract - page 1" at y=760 and "Seal here" at y=120.
    assert text_lines(make_pdf(2), 1) == [120.0, 760.0]
    assert text_lines(make_pdf(1), 5) == []


def test_a_member_reads_a_pages_lines_and_an_outsider_gets_404(world, approved_alpha):
    with tenant_context(approved_alpha):
        document = document_upload(name="contract.pdf", data=make_pdf(2), acting_user=world.alice)
    url = f"/documents/{document.pk}/v1/pages/1/lines.json"
    answer = client_on(approved_alpha, world.bob).get(url)
    assert answer.status_code == 200
    assert answer.json() == {"page": 1, "lines": [120.0, 760.0]}
    assert (
        client_on(approved_alpha, world.bob).get(f"/documents/{document.pk}/v1/pages/9/lines.json").status_code == 404
    )
    assert client_on(approved_alpha, world.charlie).get(url).status_code == 404
    assert client_on(world.beta, world.charlie).get(url).status_code == 404
