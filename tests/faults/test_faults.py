"""Faults a running service meets: storage full, the database connection dropping, the
cache's Redis going away. Each ends with a clear answer and nothing lost or half-written."""

from __future__ import annotations

import errno

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django_tenants.utils import tenant_context

from documents.models import Document, DocumentVersion
from tenants.services import api_key_create
from tests.conftest import client_on
from tests.documents.pdfs import make_pdf

pytestmark = pytest.mark.django_db


def _api(world):
    with tenant_context(world.alpha):
        _key, raw = api_key_create(company=world.alpha, name="k", scopes=["documents"], acting_user=world.alice)
    return client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def _no_documents(world) -> None:
    with tenant_context(world.alpha):
        assert not Document.objects.exists() and not DocumentVersion.objects.exists()


@pytest.fixture
def disk_full(monkeypatch):
    def full(self, name, content):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full)


def test_a_full_disk_gives_a_clear_answer_and_keeps_nothing(world, disk_full):
    response = _api(world).post("/api/v1/documents/", {"file": SimpleUploadedFile("c.pdf", make_pdf(1))})
    assert response.status_code == 503
    assert response.json()["type"] == "storage_unavailable"
    page = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en").post(
        "/documents/", {"file": SimpleUploadedFile("c.pdf", make_pdf(1))}
    )
    assert page.status_code == 400
    assert "could not be stored right now" in page.content.decode()
    _no_documents(world)


@pytest.fixture
def database_drops_mid_request(monkeypatch):
    """The connection dies after the document row was written, before the request ends."""

    def dropped(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("documents.services.versions.audit_event_record", dropped)


def test_a_dropped_database_connection_answers_503_and_leaves_no_partial_rows(world, database_drops_mid_request):
    response = _api(world).post("/api/v1/documents/", {"file": SimpleUploadedFile("c.pdf", make_pdf(1))})
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()["type"] == "service_unavailable"
    page = client_on(world.alpha, world.alice).post("/documents/", {"file": SimpleUploadedFile("c.pdf", make_pdf(1))})
    assert page.status_code == 503 and page["Retry-After"] == "5"
    _no_documents(world)


@pytest.fixture
def cache_redis_gone(settings, tmp_path):
    """The cache's Redis stops answering: nothing listens on its address any more."""
    caches = {name: {**config} for name, config in settings.CACHES.items()}
    caches["default"]["LOCATION"] = f"unix://{tmp_path}/gone.sock"
    settings.CACHES = caches  # Django resets its cache connections on this change


def test_the_api_keeps_answering_while_the_cache_redis_is_down(world, cache_redis_gone, caplog):
    api = _api(world)
    upload = api.post("/api/v1/documents/", {"file": SimpleUploadedFile("c.pdf", make_pdf(1))})
    assert upload.status_code == 201
    listing = api.get("/api/v1/documents/")
    assert listing.status_code == 200 and [d["name"] for d in listing.json()["results"]] == ["c.pdf"]
    # Anonymous verification (a sandboxed process per request) waits until it can be rationed again.
    verify = client_on(None, HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/verify/", {"file": SimpleUploadedFile("c.pdf", make_pdf(1))}
    )
    assert verify.status_code == 503 and verify.json()["type"] == "service_unavailable"
    assert "API budget not counted, Redis unavailable" in caplog.text
    assert "gone.sock" not in caplog.text
