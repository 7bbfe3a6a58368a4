from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from documents.models import Document, SigningGrant
from documents.services.versions import document_upload
from seals.services import seal_application_approve, seal_application_submit
from tests.conftest import client_on, enrol_authenticator, totp_now
from tests.documents.pdfs import encrypted_pdf, make_pdf, with_page_changes
from tests.seals.conftest import licence

pytestmark = pytest.mark.django_db


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


def _upload(client, data, name="contract.pdf"):
    return client.post("/documents/", {"file": SimpleUploadedFile(name, data, content_type="application/pdf")})


def test_upload_place_and_confirm_in_the_browser(world, seal, django_capture_on_commit_callbacks):
    client = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    response = _upload(client, make_pdf(2))
    with tenant_context(world.alpha):
        document = Document.objects.get()
    assert response["Location"] == f"/documents/{document.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "2 / 2" in page and str(seal.code) in page
    preview = client.get(f"/documents/{document.pk}/v1/pages/1.png?w=900")
    assert Image.open(io.BytesIO(b"".join(preview.streaming_content))).width == 900
    for bad in ("?w=abc", "?w=123", ""):
        path = f"/documents/{document.pk}/v1/pages/{'9' if not bad else '0'}.png{bad}"
        assert client.get(path).status_code == 404, path
    placed = client.post(f"/documents/{document.pk}/placements/", {"seal": seal.pk, "page": 1, "x": 400, "y": 90})
    assert placed.status_code == 201
    outside = client.post(f"/documents/{document.pk}/placements/", {"seal": seal.pk, "page": 5, "x": 1, "y": 1})
    assert outside.status_code == 400 and "no page 6" in outside.json()["detail"]

    device, _codes = enrol_authenticator(world.alice)
    form = {
        "seal": seal.pk,
        "seal_password": "Seal-pass-2026",
        "otp_method": "authenticator",
        "otp_code": totp_now(device, 1),
    }
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/documents/{document.pk}/seal/", form)
    with tenant_context(world.alpha):
        grant = SigningGrant.objects.get()
    assert response["Location"] == f"/documents/{document.pk}/?grant={grant.pk}"
    # One task queued after commit (the audit trail links its new row on commit too).
    assert len([c for c in callbacks if "on_commit_enqueue" in c.__qualname__]) == 1
    status = client.get(f"/documents/{document.pk}/grants/{grant.pk}/").json()
    assert status["status"] == "pending"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a", "neither a PDF nor an OFD file"),
        (encrypted_pdf(), "needs a password to open"),
        (make_pdf(1)[:400], "damaged"),
    ],
)
def test_bad_uploads_are_explained(world, data, message):
    response = _upload(client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en"), data)
    assert response.status_code == 400 and message in response.content.decode()
    with tenant_context(world.alpha):
        assert not Document.objects.exists()


def test_rotated_page_preview_is_landscape(world):
    client = client_on(world.alpha, world.alice)
    _upload(client, with_page_changes(make_pdf(1), rotate=90))
    with tenant_context(world.alpha):
        document = Document.objects.get()
        assert document.current_version.pages[0]["rotation"] == 90
    preview = client.get(f"/documents/{document.pk}/v1/pages/0.png?w=200")
    image = Image.open(io.BytesIO(b"".join(preview.streaming_content)))
    assert image.width == 200 and image.height < image.width


def test_other_company_gets_404_everywhere(world, seal):
    client = client_on(world.alpha, world.alice)
    _upload(client, make_pdf(1))
    with tenant_context(world.alpha):
        document = Document.objects.get()
    for host in (world.alpha, world.beta):
        charlie = client_on(host, world.charlie)
        for path in (
            f"/documents/{document.pk}/",
            f"/documents/{document.pk}/v1.pdf",
            f"/documents/{document.pk}/v1/pages/0.png",
        ):
            assert charlie.get(path).status_code == 404, (host, path)
        assert charlie.post(f"/documents/{document.pk}/delete/").status_code == 404
    with tenant_context(world.alpha):
        assert Document.objects.get(pk=document.pk).deleted_at is None


def test_documents_api(world, seal):
    import json

    from tenants.services import api_key_create

    with tenant_context(world.alpha):
        _key, raw = api_key_create(company=world.alpha, name="ERP", scopes=["documents"], acting_user=world.alice)
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}", HTTP_ACCEPT_LANGUAGE="en")
    created = api.post("/api/v1/documents/", {"file": SimpleUploadedFile("a.pdf", make_pdf(2), "application/pdf")})
    assert created.status_code == 201 and created.json()["current_version"]["page_count"] == 2
    document_id = created.json()["id"]
    bad = api.post("/api/v1/documents/", {"file": SimpleUploadedFile("a.pdf", b"GIF89a", "application/pdf")})
    assert bad.status_code == 400 and bad.json()["type"] == "pdf_not_pdf"
    placed = api.post(
        f"/api/v1/documents/{document_id}/placements/",
        json.dumps({"seal_id": str(seal.pk), "text": "Seal here"}),
        content_type="application/json",
    )
    assert placed.status_code == 201 and [p["page"] for p in placed.json()] == [0, 1]
    incomplete = api.post(
        f"/api/v1/documents/{document_id}/placements/",
        json.dumps({"seal_id": str(seal.pk), "page": 0}),
        content_type="application/json",
    )
    assert incomplete.status_code == 400 and set(incomplete.json()["errors"]) == {"x", "y"}
    moved = api.patch(
        f"/api/v1/documents/{document_id}/placements/{placed.json()[0]['id']}/",
        json.dumps({"x": 300, "y": 300, "width": 80}),
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["height"] == pytest.approx(80)
    preview = api.get(f"/api/v1/documents/{document_id}/versions/1/pages/1/preview/?width=200")
    assert preview["Content-Type"] == "image/png" and preview.content.startswith(b"\x89PNG")
    detail = api.get(f"/api/v1/documents/{document_id}/").json()
    assert len(detail["placements"]) == 2 and detail["versions"][0]["number"] == 1
    listing = api.get("/api/v1/documents/?search=a.pdf").json()["results"]
    assert [row["id"] for row in listing] == [document_id]
    download = api.get(f"/api/v1/documents/{document_id}/versions/1/download/")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # Seal use needs the seals scope.
    job = api.post(f"/api/v1/documents/{document_id}/seal/", json.dumps({}), content_type="application/json")
    assert job.status_code == 403
    charlie = client_on(world.beta, world.charlie)
    assert charlie.get(f"/api/v1/documents/{document_id}/").status_code == 404


def test_moving_and_resizing_keeps_proportions_and_the_page(world, seal):
    client = client_on(world.alpha, world.alice)
    _upload(client, make_pdf(1))
    with tenant_context(world.alpha):
        document = Document.objects.get()
    placed = client.post(
        f"/documents/{document.pk}/placements/", {"seal": seal.pk, "page": 0, "x": 100, "y": 100}
    ).json()
    moved = client.post(
        f"/documents/{document.pk}/placements/{placed['id']}/update/", {"x": 200, "y": 150, "width": 60}
    )
    assert moved.status_code == 200
    body = moved.json()
    assert (body["x"], body["y"], body["width"]) == (200, 150, 60)
    assert body["height"] == pytest.approx(60)  # a round seal stays round
    outside = client.post(
        f"/documents/{document.pk}/placements/{placed['id']}/update/", {"x": 580, "y": 150, "width": 60}
    )
    assert outside.status_code == 400
    charlie = client_on(world.beta, world.charlie)
    assert (
        charlie.post(
            f"/documents/{document.pk}/placements/{placed['id']}/update/", {"x": 1, "y": 1, "width": 60}
        ).status_code
        == 404
    )


def test_previews_are_prepared_by_the_worker_task(world, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    from documents.services.previews import PREVIEW_WIDTHS, document_previews_render, preview_path

    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = document_upload(name="p.pdf", data=make_pdf(3), acting_user=world.alice)
    queued = [callback for callback in callbacks if callback.__qualname__.startswith("on_commit_enqueue_shared.")]
    assert len(queued) == 1  # queued after the upload commits
    with tenant_context(world.alpha):
        assert document_previews_render(version_id=document.current_version.pk) == 3
        version = document.versions.get()
        assert version.previews_ready == 3
        for page in range(3):
            for width in PREVIEW_WIDTHS:
                path = preview_path(version, page, width)
                assert path.startswith("c_alpha/previews/") and default_storage.exists(path)


def _queued_previews(monkeypatch) -> list[list]:
    """The argument lists of the preview jobs queued (instead of sending them)."""
    from documents.tasks import document_previews

    queued = []
    monkeypatch.setattr(document_previews, "apply_async", lambda args, **options: queued.append(list(args)))
    return queued


def test_a_long_document_is_rendered_by_a_chain_of_short_jobs(world, monkeypatch, django_capture_on_commit_callbacks):
    from documents.services import previews
    from documents.tasks import document_previews

    monkeypatch.setattr(previews, "PREVIEW_PAGES_PER_TASK", 2)
    queued = _queued_previews(monkeypatch)
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        document = document_upload(name="p.pdf", data=make_pdf(5), acting_user=world.alice)
    version_id = str(document.current_version.pk)
    assert queued == [[version_id]]
    with tenant_context(world.alpha):
        for first_page, next_page in ((0, 2), (2, 4), (4, 5)):
            with django_capture_on_commit_callbacks(execute=True):
                assert document_previews(version_id, first_page) == next_page
            document.current_version.refresh_from_db()
            assert document.current_version.previews_ready == next_page
    assert queued == [[version_id], [version_id, 2, None, None], [version_id, 4, None, None]]  # none after the last


def test_a_sealed_version_renders_only_the_sealed_page_and_copies_the_others(
    world, seal, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from documents.services import previews
    from documents.services.placements import placement_add
    from documents.services.previews import PREVIEW_WIDTHS, document_previews_render, preview_path
    from documents.services.sealing import document_seal_execute, document_seal_request
    from documents.services.versions import pages_drawn_on

    device, _codes = enrol_authenticator(world.alice)
    queued = _queued_previews(monkeypatch)
    rendered_pages = []
    pages_rendered = previews._pages_rendered  # the pages sent to the sandbox to render

    def recording_render(data, pages, **options):
        rendered_pages.extend(pages)
        return pages_rendered(data, pages, **options)

    monkeypatch.setattr(previews, "_pages_rendered", recording_render)
    with tenant_context(world.alpha):
        document = document_upload(name="p.pdf", data=make_pdf(3), acting_user=world.alice)
        original = document.current_version
        document_previews_render(version_id=original.pk)
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
        with django_capture_on_commit_callbacks(execute=True):
            sealed = document_seal_execute(grant_id=grant.pk)
        assert queued[-1] == [str(sealed.pk), 0, str(original.pk), [1]]
        rendered_pages.clear()
        assert document_previews_render(version_id=sealed.pk, copy_from_id=original.pk, drawn_pages=[1]) == 3
        sealed.refresh_from_db()
        images = {
            (number, page, width): default_storage.open(preview_path(version, page, width)).read()
            for number, version in ((1, original), (2, sealed))
            for page in range(3)
            for width in PREVIEW_WIDTHS
        }
    assert rendered_pages == [1] and sealed.previews_ready == 3
    for width in PREVIEW_WIDTHS:
        assert images[2, 0, width] == images[1, 0, width] and images[2, 2, width] == images[1, 2, width]
        assert images[2, 1, width] != images[1, 1, width]  # the seal shows on its page
    assert pages_drawn_on([{"page": 0, "kind": "cross_page"}]) is None  # a cross-page seal: every page again
