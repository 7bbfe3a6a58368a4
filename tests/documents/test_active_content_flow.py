"""A PDF that runs JavaScript when opened is accepted, but the document page and the API say
so, the seal panel warns, and the company may remove the active content in a new version
(recorded in the history) as long as nothing is signed yet."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from pypdf import PdfReader, PdfWriter

from config.errors import ApplicationError
from documents.models import Document, DocumentVersion
from documents.pdf.active_content import active_content_find
from documents.services.placements import placement_add
from documents.services.reading import pdf_active_content
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.versions import document_active_content_remove, document_upload
from events.models import AuditEvent
from seals.services import seal_application_approve, seal_application_submit
from tenants.services import api_key_create
from tests.conftest import client_on, enrol_authenticator, totp_now
from tests.documents.pdfs import make_pdf
from tests.documents.realworld_corpus import ALL_PERMISSIONS
from tests.seals.conftest import licence

pytestmark = pytest.mark.django_db


def javascript_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(2))))
    writer.add_js("app.alert('hi');")
    writer.add_attachment("invoice.exe", b"MZ...")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _page_texts(data: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return [pdf[index].get_textpage().get_text_bounded() for index in range(len(pdf))]
    finally:
        pdf.close()


def _bytes(version: DocumentVersion) -> bytes:
    with version.file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def seal(approved_alpha, world):
    application = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="contract",
        seal_name="Alpha Ltd",
        seal_password="Seal-pass-2026",
        business_licence=licence(),
    )
    return seal_application_approve(application=application, acting_user=world.alice)


def test_the_page_warns_and_removing_makes_a_clean_version_with_the_same_pages(world, seal):
    browser = client_on(world.alpha, world.alice)
    response = browser.post(
        "/documents/", {"file": _upload("contract.pdf", javascript_pdf())}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302, response.content
    document_url = response["Location"]
    page = browser.get(document_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This PDF contains active content: Embedded files (attachments); JavaScript" in page  # said at upload
    assert "This PDF contains active content" in page
    assert "JavaScript (programs that run in the reader)" in page
    assert "Embedded files (attachments)" in page
    assert 'id="seal-active-content-warning"' in page  # the seal panel warns too
    assert "Remove active content" in page
    with tenant_context(world.alpha):
        document = Document.objects.get()
        original = document.current_version
        assert original.active_content == {"kinds": ["embedded_file", "javascript"], "web_links": 0}
        uploaded = AuditEvent.objects.get(action="document.uploaded", target_id=str(document.pk))
        assert uploaded.data["active_content"]["kinds"] == ["embedded_file", "javascript"]

    sending = browser.get(f"/envelopes/new/?document={document.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Warning: this PDF contains active content (Embedded files (attachments); JavaScript" in sending

    chinese = browser.get(document_url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "此 PDF 含有活动内容" in chinese and "JavaScript（在阅读器中运行的程序）" in chinese

    response = browser.post(f"{document_url}active-content/remove/")
    assert response.status_code == 302
    with tenant_context(world.alpha):
        document.refresh_from_db()
        cleaned = document.current_version
        assert cleaned.number == 2 and cleaned.kind == DocumentVersion.Kind.CLEANED
        assert cleaned.active_content == {"kinds": [], "web_links": 0}
        assert AuditEvent.objects.filter(action="document.active_content_removed", target_id=str(document.pk)).exists()
        cleaned_bytes, original_bytes = _bytes(cleaned), _bytes(original)
    assert active_content_find(cleaned_bytes).kinds == []
    assert cleaned.page_count == original.page_count == 2 and cleaned.pages == original.pages
    texts = _page_texts(cleaned_bytes)
    assert texts == _page_texts(original_bytes) and "Contract - page 2" in texts[1]
    page = browser.get(document_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This PDF contains active content" not in page and "seal-active-content-warning" not in page
    sending = browser.get(f"/envelopes/new/?document={document.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "contains active content" not in sending
    assert "Active content removed" in page  # the version list and the history say what happened


def test_an_ordinary_pdf_shows_no_warning(world, seal):
    browser = client_on(world.alpha, world.alice)
    response = browser.post("/documents/", {"file": _upload("plain.pdf", make_pdf(1))})
    page = browser.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Confirm and seal" in page
    assert "active content" not in page.lower()
    with tenant_context(world.alpha):
        assert Document.objects.get().current_version.active_content == {"kinds": [], "web_links": 0}


def _api(world, company, user):
    with tenant_context(company):
        _key, raw = api_key_create(company=company, name="ERP", scopes=["documents"], acting_user=user)
    return client_on(company, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def test_the_api_shows_active_content_and_removes_it(world):
    api = _api(world, world.alpha, world.alice)
    created = api.post("/api/v1/documents/", {"file": _upload("contract.pdf", javascript_pdf())})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["current_version"]["active_content"] == {"kinds": ["embedded_file", "javascript"], "web_links": 0}
    document_id = body["id"]

    other = _api(world, world.beta, world.charlie)
    assert other.post(f"/api/v1/documents/{document_id}/active_content/remove/").status_code == 404

    removed = api.post(f"/api/v1/documents/{document_id}/active_content/remove/")
    assert removed.status_code == 201, removed.content
    assert removed.json()["number"] == 2 and removed.json()["kind"] == "cleaned"
    assert removed.json()["active_content"]["kinds"] == []
    detail = api.get(f"/api/v1/documents/{document_id}/").json()
    assert [v["kind"] for v in detail["versions"]] == ["original", "cleaned"]

    again = api.post(f"/api/v1/documents/{document_id}/active_content/remove/")
    assert again.status_code == 409 and again.json()["type"] == "no_active_content"


def test_removal_is_refused_once_a_seal_exists(world, seal):
    device, _codes = enrol_authenticator(world.alice)
    with tenant_context(world.alpha):
        document = document_upload(name="contract.pdf", data=javascript_pdf(), acting_user=world.alice)
        placement_add(
            document=document, company=world.alpha, seal_id=seal.pk, page=1, x=380, y=80, acting_user=world.alice
        )
        grant = document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            user=world.alice,
            seal_password="Seal-pass-2026",
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
        )
        sealed = document_seal_execute(grant_id=grant.pk)
        assert sealed.signature_count == 1
        assert sealed.active_content["kinds"] == ["embedded_file", "javascript"]  # still shown after sealing
        document.refresh_from_db()
        with pytest.raises(ApplicationError) as refused:
            document_active_content_remove(document=document, acting_user=world.alice)
        assert refused.value.status == 409 and refused.value.code == "document_signed"
        assert document.versions.count() == 2

    browser = client_on(world.alpha, world.alice)
    response = browser.post(f"/documents/{document.pk}/active-content/remove/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "removing active content would void its signatures" in page
    assert "can no longer be removed without voiding the signatures" in page
    with tenant_context(world.alpha):
        assert document.versions.count() == 2


def test_another_companys_document_is_not_found(world):
    with tenant_context(world.alpha):
        document = document_upload(name="contract.pdf", data=javascript_pdf(), acting_user=world.alice)
    intruder = client_on(world.beta, world.charlie)
    assert intruder.post(f"/documents/{document.pk}/active-content/remove/").status_code == 404
    with tenant_context(world.alpha):
        assert document.versions.count() == 1


def test_a_file_that_cannot_be_analysed_is_kept_and_called_unchecked(world):
    # The analysis runs in the sandboxed child; a crash there is an answer, not a refusal.
    assert pdf_active_content(b"%PDF-1.7 not really") == {"kinds": [], "web_links": 0, "unknown": True}
    with tenant_context(world.alpha):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=world.alice)
        DocumentVersion.objects.filter(pk=document.current_version.pk).update(
            active_content={"kinds": [], "web_links": 0, "unknown": True}
        )
    page = client_on(world.alpha, world.alice).get(f"/documents/{document.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "This PDF could not be checked for active content" in page.content.decode()


def test_a_file_with_its_authors_security_settings_is_not_rewritten(world):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(1))))
    writer.add_js("app.alert('hi');")
    writer.encrypt(user_password="", owner_password="owner", permissions_flag=ALL_PERMISSIONS, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    with tenant_context(world.alpha):
        document = document_upload(name="protected.pdf", data=out.getvalue(), acting_user=world.alice)
        assert document.current_version.active_content["kinds"] == ["javascript"]
        with pytest.raises(ApplicationError) as refused:
            document_active_content_remove(document=document, acting_user=world.alice)
        assert refused.value.status == 409 and refused.value.code == "active_content_protected"
        assert document.versions.count() == 1
