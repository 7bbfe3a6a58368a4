"""`Idempotency-Key` as real clients use it: a retry means the same request even when curl
picks a new multipart boundary or a JSON library orders keys differently; files of any size
the endpoint takes; a session with its CSRF check; and no secret ever kept for a replay."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import tenant_context
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from accounts.models import Invitation
from documents.models import Document
from events.models import WebhookEndpoint
from tenants.models import ApiKey, IdempotencyRecord
from tenants.services import api_key_create
from tests.conftest import client_on, host_of
from tests.documents.pdfs import make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    with tenant_context(world.alpha):
        _key, raw = api_key_create(
            company=world.alpha, name="k", scopes=list(ApiKey.Scope.values), acting_user=world.alice
        )
    return client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def _multipart(boundary: str, name: str, data: bytes) -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )


def _upload(api, data: bytes, key: str, boundary: str, name: str = "contract.pdf"):
    return api.post(
        "/api/v1/documents/",
        _multipart(boundary, name, data),
        content_type=f"multipart/form-data; boundary={boundary}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def _big_pdf(size: int) -> bytes:
    """A one-page PDF carrying an incompressible image, so it is at least `size` bytes."""
    side = int((size / 3) ** 0.5) + 1
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.drawImage(ImageReader(image), 72, 72, width=200, height=200)
    pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    assert len(data) >= size
    return data


def test_a_multipart_retry_with_a_new_boundary_is_replayed(api, world):
    pdf = make_pdf(1)
    first = _upload(api, pdf, "upload-1", "----curl-boundary-aaaa")
    second = _upload(api, pdf, "upload-1", "----curl-boundary-bbbb")
    assert (first.status_code, second.status_code) == (201, 201), second.content[:300]
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    with tenant_context(world.alpha):
        assert Document.objects.count() == 1


def test_another_file_or_file_name_with_the_same_key_is_422(api, world):
    assert _upload(api, make_pdf(1), "upload-2", "b1").status_code == 201
    other_file = _upload(api, make_pdf(2), "upload-2", "b2")
    other_name = _upload(api, make_pdf(1), "upload-2", "b3", name="other.pdf")
    for response in (other_file, other_name):
        assert response.status_code == 422
        assert response.json()["type"] == "idempotency_key_reused"
    with tenant_context(world.alpha):
        assert Document.objects.count() == 1


def test_a_file_over_the_in_memory_limit_works_with_a_key(api, world):
    """Reading the raw body for the fingerprint made Django refuse uploads over 2 MB with an
    HTML 400 (RequestDataTooBig), though the same upload without the key succeeded."""
    pdf = _big_pdf(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 500_000)
    first = _upload(api, pdf, "big-1", "one")
    assert first.status_code == 201, first.content[:300]
    second = _upload(api, pdf, "big-1", "two")
    assert second.status_code == 201 and second["Idempotent-Replayed"] == "true"
    with tenant_context(world.alpha):
        assert Document.objects.count() == 1


def test_json_with_keys_in_another_order_is_the_same_request(api, world):
    def invite(body: str):
        return api.post("/api/v1/invitations/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="inv-1")

    first = invite('{"email": "dora@alpha.example", "role": "member"}')
    second = invite('{ "role" : "member",\n "email":"dora@alpha.example" }')
    assert (first.status_code, second.status_code) == (201, 201), second.content[:300]
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    other = invite('{"email": "erin@alpha.example", "role": "member"}')
    assert other.status_code == 422 and other.json()["type"] == "idempotency_key_reused"
    with tenant_context(world.alpha):
        assert Invitation.objects.count() == 1


def test_a_browser_session_with_csrf_can_send_a_key(world):
    """A session's CSRF check has DRF parse the body before the view: reading the raw body
    afterwards raised RawPostDataException (500)."""
    host = host_of(world.alpha)
    client = Client(enforce_csrf_checks=True, HTTP_HOST=host)
    client.force_login(world.alice)
    client.get("/")
    headers = {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value, "HTTP_REFERER": f"http://{host}/"}
    pdf = make_pdf(1)

    def upload(key):
        return client.post("/api/v1/documents/", {"file": io.BytesIO(pdf)}, HTTP_IDEMPOTENCY_KEY=key, **headers)

    first, second = upload("browser-doc"), upload("browser-doc")
    assert (first.status_code, second.status_code) == (201, 201), second.content[:300]
    assert second["Idempotent-Replayed"] == "true"
    with tenant_context(world.alpha):
        assert Document.objects.count() == 1


def _all_stored_records() -> str:
    return json.dumps(
        list(IdempotencyRecord.objects.values("key", "request_fingerprint", "status_code", "response_body")),
        default=str,
    )


@pytest.mark.parametrize(
    ("path", "body", "secret_field"),
    [
        ("/api/v1/api_keys/", {"name": "ERP", "scopes": ["read"]}, "key"),
        ("/api/v1/webhooks/", {"url": "https://example.com/hook", "events": ["seal.revoked"]}, "secret"),
    ],
)
def test_the_idempotency_store_never_holds_a_secret(api, world, path, body, secret_field):
    first = api.post(path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="secret-1")
    assert first.status_code == 201, first.content[:300]
    secret = first.json()[secret_field]
    assert secret and secret not in _all_stored_records()
    replay = api.post(path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="secret-1")
    assert replay.status_code == 409
    assert replay.json()["type"] == "idempotency_secret_not_replayed"
    assert first.json()["id"] in replay.json()["detail"]
    assert secret not in replay.content.decode()
    with tenant_context(world.alpha):
        made = ApiKey.objects.filter(name="ERP") if secret_field == "key" else WebhookEndpoint.objects.all()
        assert made.count() == 1


def test_rotating_a_key_keeps_no_secret_for_a_replay(api, world):
    created = api.post("/api/v1/api_keys/", {"name": "ERP", "scopes": ["read"]}, content_type="application/json")
    rotate = f"/api/v1/api_keys/{created.json()['id']}/rotate/"
    first = api.post(rotate, HTTP_IDEMPOTENCY_KEY="rotate-1")
    assert first.status_code == 201
    assert first.json()["key"] not in _all_stored_records()
    replay = api.post(rotate, HTTP_IDEMPOTENCY_KEY="rotate-1")
    assert replay.status_code == 409 and first.json()["key"] not in replay.content.decode()


def test_the_stored_fingerprint_is_keyed(api):
    """Bodies carry seal passwords and one-time codes: a plain SHA-256 of the request in the
    store could be matched against guesses offline; the fingerprint is keyed by the server."""
    body = {"email": "f@alpha.example", "role": "member"}
    api.post("/api/v1/invitations/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="fp")
    stored = IdempotencyRecord.objects.get(key="fp").request_fingerprint
    meaning = json.dumps(["POST", "/api/v1/invitations/", body], sort_keys=True, ensure_ascii=False)
    assert stored != hashlib.sha256(meaning.encode()).hexdigest()
    assert stored == hmac.new(settings.SECRET_KEY.encode(), meaning.encode(), hashlib.sha256).hexdigest()
