"""A decompression bomb (a small upload whose page content inflates to hundreds of MB) is read
only inside the sandbox (documents/pdf/limits.py): text search and page images answer a clear
error within seconds, and the web process's memory does not grow."""

from __future__ import annotations

import threading
import time

import psutil
import pytest
from django_tenants.utils import tenant_context

from documents.models import Placement
from documents.services.versions import document_upload
from tenants.models import ApiKey
from tenants.services import api_key_create
from tests.conftest import client_on
from tests.documents.pdfs import content_bomb_pdf, make_pdf
from tests.seals.conftest import licence

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class PeakMemory:
    """The highest resident memory of this process while the block runs (sampled)."""

    def __enter__(self):
        self.process = psutil.Process()
        self.before = self.process.memory_info().rss
        self.peak = self.before
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self.started = time.monotonic()
        return self

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.01)

    def __exit__(self, *exc):
        self.seconds = time.monotonic() - self.started
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.before) / MB


@pytest.fixture
def seal(approved_alpha, world):
    from seals.services import seal_application_approve, seal_application_submit

    application = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="contract",
        seal_name="Alpha Ltd",
        seal_password="Seal-pass-2026",
        business_licence=licence(),
    )
    return seal_application_approve(application=application, acting_user=world.alice)


@pytest.fixture
def bomb(world):
    data = content_bomb_pdf(100)
    assert len(data) < 600 * 1024  # a few hundred KB that inflate to 100 MB of operators
    with tenant_context(world.alpha):
        return document_upload(name="bomb.pdf", data=data, acting_user=world.alice)


@pytest.fixture
def api(world):
    with tenant_context(world.alpha):
        _key, raw = api_key_create(
            company=world.alpha, name="k", scopes=list(ApiKey.Scope.values), acting_user=world.alice
        )
    return client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}", HTTP_ACCEPT_LANGUAGE="en")


def test_text_search_in_a_bomb_is_refused_quickly_without_growing_the_web_process(world, seal, bomb, api):
    with PeakMemory() as memory:
        response = api.post(
            f"/api/v1/documents/{bomb.pk}/placements/",
            {"seal_id": str(seal.pk), "text": "Seal here"},
            content_type="application/json",
        )
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert body["type"] == "text_search_too_complex"
    assert "could not be searched" in body["detail"] and "too large or too complex" in body["detail"]
    assert memory.seconds < 10, memory.seconds
    assert memory.growth_mb < 50, memory.growth_mb
    with tenant_context(world.alpha):
        assert not Placement.objects.filter(document_id=bomb.pk).exists()


def test_the_web_page_says_why_the_text_could_not_be_searched(world, seal, bomb):
    browser = client_on(world.alpha, world.alice)  # the default language is Chinese
    with PeakMemory() as memory:
        response = browser.post(
            f"/documents/{bomb.pk}/placements/text/", {"seal": str(seal.pk), "text": "Seal here"}, follow=True
        )
    assert response.status_code == 200
    assert "无法在此文件中查找文字：文件太大或太复杂" in response.content.decode()
    assert memory.growth_mb < 50, memory.growth_mb
    with tenant_context(world.alpha):
        assert not Placement.objects.filter(document_id=bomb.pk).exists()


def test_a_page_image_of_a_bomb_is_refused_without_growing_the_web_process(world, bomb, api):
    with PeakMemory() as memory:
        response = api.get(f"/api/v1/documents/{bomb.pk}/versions/1/pages/0/preview/?width=200")
    assert response.status_code == 422, response.content[:300]
    assert response.json()["type"] == "page_too_complex"
    assert memory.seconds < 10, memory.seconds
    assert memory.growth_mb < 50, memory.growth_mb


def test_text_search_and_page_images_of_ordinary_files_still_work(world, seal, api):
    with tenant_context(world.alpha):
        document = document_upload(name="c.pdf", data=make_pdf(2), acting_user=world.alice)
    response = api.post(
        f"/api/v1/documents/{document.pk}/placements/",
        {"seal_id": str(seal.pk), "text": "Seal here"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content[:300]
    assert [placement["page"] for placement in response.json()] == [0, 1]
    image = api.get(f"/api/v1/documents/{document.pk}/versions/1/pages/1/preview/?width=200")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_page_images_of_a_bomb_are_made_in_the_sandbox_not_in_the_worker(world, bomb):
    from django.core.files.storage import default_storage

    from documents.services.previews import document_previews_render, preview_path

    with tenant_context(world.alpha), PeakMemory() as memory:
        assert document_previews_render(version_id=bomb.current_version_id) == 1
    assert memory.growth_mb < 50, memory.growth_mb
    with tenant_context(world.alpha):
        assert not default_storage.exists(preview_path(bomb.current_version, 0, 200))


def test_the_upload_check_runs_under_the_same_limits(world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.models import Document

    settings.PDF_READ_TIME_LIMIT_SECONDS = 0  # no answer in time: as if the file took too long
    with tenant_context(world.alpha):
        _key, raw = api_key_create(
            company=world.alpha, name="k", scopes=list(ApiKey.Scope.values), acting_user=world.alice
        )
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}", HTTP_ACCEPT_LANGUAGE="en")
    response = api.post("/api/v1/documents/", {"file": SimpleUploadedFile("c.pdf", make_pdf(1))})
    assert response.status_code == 422, response.content[:300]
    assert response.json()["type"] == "pdf_too_complex"
    assert "too large or too complex" in response.json()["detail"]
    with tenant_context(world.alpha):
        assert not Document.objects.exists()


PREFORK_WORKER_SCRIPT = """
import billiard
from documents.pdf.inspect import inspect_pdf_or_reason
from documents.pdf.limits import run_limited
from tests.documents.pdfs import make_pdf

def inspect_in_the_sandbox(data):
    return run_limited(inspect_pdf_or_reason, data, seconds=20, memory_mb=1024).page_count

pool = billiard.Pool(1)
try:
    print(pool.apply(inspect_in_the_sandbox, (make_pdf(2),)))
finally:
    pool.terminate()
"""


def test_the_sandbox_starts_from_a_celery_prefork_worker_process():
    """A prefork worker process is daemonic and carries billiard's authentication key; the
    worker reads delivered copies through the sandbox all the same. (In a fresh process: a
    worker is never forked from a process that already runs a fork server.)"""
    import subprocess
    import sys

    from tests.conftest import BASE_DIR

    result = subprocess.run(
        [sys.executable, "-c", PREFORK_WORKER_SCRIPT], cwd=BASE_DIR, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "2", result.stderr[-2000:]
