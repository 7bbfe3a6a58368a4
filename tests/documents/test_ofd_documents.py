"""OFD documents in the company: told apart from PDF by content, checked in the limited child
process before anything is stored, kept with their format, and served back as OFD."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from config.errors import ApplicationError
from documents.models import Document, DocumentVersion
from documents.services.placements import placement_add, placement_add_at_text
from documents.services.versions import document_upload
from seals.services import seal_application_approve
from tenants.services import api_key_create
from tests.conftest import client_on, verified_client_on
from tests.documents.pdfs import make_pdf
from tests.ofd import writer
from tests.seals.test_seal_lifecycle import _apply

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / "ofd" / "samples"


def _api(company, user):
    with tenant_context(company):
        _key, raw = api_key_create(company=company, name="ofd", scopes=["documents"], acting_user=user)
    return client_on(company, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def test_an_ofd_named_pdf_is_stored_as_ofd_and_served_back_as_ofd(world):
    api = _api(world.alpha, world.alice)
    data = writer.build_ofd(pages=2)
    created = api.post("/api/v1/documents/", {"file": SimpleUploadedFile("invoice.pdf", data)})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["format"] == "ofd" and body["current_version"]["format"] == "ofd"
    assert body["current_version"]["page_count"] == 2
    # A4 in points: the pages share the PDF coordinate system of placements.
    with tenant_context(world.alpha):
        version = Document.objects.get(pk=body["id"]).current_version
        assert version.format == DocumentVersion.Format.OFD and version.file.name.endswith(".ofd")
        assert round(version.pages[0]["right"], 1) == 595.3 and round(version.pages[0]["top"], 1) == 841.9
    download = api.get(f"/api/v1/documents/{body['id']}/versions/1/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/ofd"
    assert 'filename="invoice-v1.ofd"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == data
    listed = api.get("/api/v1/documents/").json()["results"]
    assert [item["format"] for item in listed] == ["ofd"]
    detail = api.get(f"/api/v1/documents/{body['id']}/").json()
    assert [version["format"] for version in detail["versions"]] == ["ofd"]


def test_a_pdf_named_ofd_stays_a_pdf(world):
    with tenant_context(world.alpha):
        document = document_upload(name="x.ofd", data=make_pdf(1), acting_user=world.alice)
        assert document.current_version.format == DocumentVersion.Format.PDF
        assert document.current_version.content_type == "application/pdf"


@pytest.mark.parametrize("sample", ["ofdrw-v4signed.ofd", "ofdrw-V4RideRight.ofd", "ofdrw-allprotected.ofd"])
def test_signed_ofd_files_from_another_producer_open(world, sample):
    with tenant_context(world.alpha):
        document = document_upload(name=sample, data=(SAMPLES / sample).read_bytes(), acting_user=world.alice)
        version = document.current_version
        assert version.format == "ofd" and version.signature_count >= 1
        # ofdrw protects Signatures.xml itself: a further seal would break its signature.
        expected = "signature_list_protected" if sample != "ofdrw-v4signed.ofd" else ""
        assert version.sealing_refusal == expected


def _refused(world, data: bytes) -> ApplicationError:
    with tenant_context(world.alpha):
        before = Document.objects.count()
        with pytest.raises(ApplicationError) as raised:
            document_upload(name="bad.ofd", data=data, acting_user=world.alice)
        assert Document.objects.count() == before  # nothing stored
    return raised.value


def _with(entries: dict[str, bytes], **changes) -> bytes:
    merged = dict(entries)
    for name, content in changes.items():
        merged[name.replace("__", "/")] = content
    return _zip(list(merged.items()))


@pytest.fixture
def good_entries() -> dict[str, bytes]:
    return dict(writer.entries(pages=1))


def test_bad_ofd_files_are_refused_with_a_reason_and_nothing_stored(world, good_entries):
    zip_slip = _zip([*good_entries.items(), ("../../evil.xml", b"<x/>")])
    assert _refused(world, zip_slip).code == "ofd_unsafe"
    entity = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><ofd:OFD xmlns:ofd="x">&e;</ofd:OFD>'
    assert _refused(world, _with(good_entries, **{"OFD.xml": entity})).code == "ofd_unsafe"
    broken = _with(good_entries, **{"Doc_0__Document.xml": b"<ofd:Document"})
    error = _refused(world, broken)
    assert error.code == "ofd_malformed" and "malformed_xml" in error.message
    missing_page = dict(good_entries)
    del missing_page["Doc_0/Pages/Page_0/Content.xml"]
    assert _refused(world, _zip(list(missing_page.items()))).code == "ofd_malformed"
    huge = writer.content_xml("x", box="0 0 900000 297")
    assert _refused(world, _with(good_entries, **{"Doc_0__Pages__Page_0__Content.xml": huge})).code == (
        "ofd_page_too_large"
    )
    bomb = _zip([*good_entries.items(), ("Doc_0/Res/bomb.bin", b"\0" * (60 * 1024 * 1024))])
    assert _refused(world, bomb).code == "ofd_unsafe"
    # A zip without OFD.xml is not told apart as OFD: refused as neither format.
    assert _refused(world, _zip([("a.txt", b"hello")])).code == "pdf_not_pdf"


def test_the_upload_page_takes_an_ofd_and_shows_its_format(world):
    client = verified_client_on(world.alpha, world.alice)
    response = client.post("/documents/", {"file": SimpleUploadedFile("发票.ofd", writer.build_ofd(pages=1))})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'id="document-format">OFD<' in page.content.decode()
    listing = client.get("/documents/").content.decode()
    assert "发票.ofd" in listing and '<span class="badge">OFD</span>' in listing
    bad = client.post("/documents/", {"file": SimpleUploadedFile("bad.ofd", _zip([("OFD.xml", b"<not")]))})
    assert bad.status_code == 400 and "OFD" in bad.content.decode()


@pytest.fixture
def alpha_seal(approved_alpha, world):
    return seal_application_approve(application=_apply(approved_alpha, world.alice), acting_user=world.alice)


def test_an_ofd_has_page_images_text_placement_and_a_marked_viewing_pdf(world, alpha_seal):
    client = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    with tenant_context(world.alpha):
        document = document_upload(name="发票.ofd", data=writer.build_ofd(pages=2), acting_user=world.alice)
        placements = placement_add_at_text(
            document=document, company=world.alpha, seal_id=alpha_seal.pk, text="发票内容", acting_user=world.alice
        )
        assert [placement.page for placement in placements] == [0, 1]
        # Centred on the text, 25 mm below the top of an A4 page (in points from the bottom).
        centre_y = placements[0].y + placements[0].height / 2
        assert abs(centre_y - (297 - 24) * 72 / 25.4) < 15
    preview = client.get(f"/documents/{document.pk}/v1/pages/1.png?w=200")
    assert preview.status_code == 200
    image = Image.open(io.BytesIO(b"".join(preview.streaming_content)))
    assert abs(image.size[0] - 200) <= 1 and abs(image.size[1] - 200 * 297 / 210) <= 2
    assert min(image.convert("L").get_flattened_data()) < 100  # the page's text is drawn
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert 'id="viewing-pdf"' in page and "PDF for viewing only" in page
    viewing = client.get(f"/documents/{document.pk}/v1/view.pdf")
    assert viewing.status_code == 200 and viewing["Content-Type"] == "application/pdf"
    pdf = b"".join(viewing.streaming_content)
    assert (
        'filename="发票-v1-view.pdf"' in viewing["Content-Disposition"] or "view.pdf" in viewing["Content-Disposition"]
    )
    reader = pypdfium2.PdfDocument(pdf)
    try:
        assert reader.get_metadata_dict()["Subject"].startswith("Viewing copy only")
        assert len(reader) == 2
    finally:
        reader.close()


def test_a_pdf_is_its_own_viewing_copy(world):
    client = client_on(world.alpha, world.alice)
    data = make_pdf(1)
    with tenant_context(world.alpha):
        document = document_upload(name="a.pdf", data=data, acting_user=world.alice)
    response = client.get(f"/documents/{document.pk}/v1/view.pdf")
    assert response.status_code == 200 and b"".join(response.streaming_content) == data
    assert 'id="viewing-pdf"' not in client.get(f"/documents/{document.pk}/").content.decode()


def test_an_ofd_whose_signature_protects_the_signature_list_cannot_take_a_seal(world, alpha_seal):
    with tenant_context(world.alpha):
        data = (SAMPLES / "ofdrw-allprotected.ofd").read_bytes()
        document = document_upload(name="allprotected.ofd", data=data, acting_user=world.alice)
        with pytest.raises(ApplicationError) as refused:
            placement_add(
                document=document,
                company=world.alpha,
                seal_id=alpha_seal.pk,
                page=0,
                x=300,
                y=80,
                acting_user=world.alice,
            )
        assert refused.value.code == "document_signature_list_protected"
        assert "list of signatures" in refused.value.message or "签名列表" in refused.value.message


def test_the_api_refuses_a_hostile_ofd_with_400_and_stores_nothing(world):
    api = _api(world.alpha, world.alice)
    slip = _zip([*writer.entries(pages=1), ("/etc/passwd", b"x")])
    response = api.post("/api/v1/documents/", {"file": SimpleUploadedFile("x.ofd", slip)})
    assert response.status_code == 400 and response.json()["type"] == "ofd_unsafe"
    with tenant_context(world.alpha):
        assert not Document.objects.exists()
