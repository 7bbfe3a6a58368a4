"""The whole pipeline on a real worker: API upload → placement → confirm → the worker seals
in the company's schema → the new version validates. Data is committed (the worker is
another process), so the test cleans up after itself."""

from __future__ import annotations

import io
import json
import time

import pytest
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel

from accounts.models import AuthenticatorDevice, FactorLock, RecoveryCode, SecurityEvent, User
from documents.models import Document, DocumentVersion, Placement, SigningGrant
from seals.models import Seal, SealApplication, SealStatusChange
from seals.services import seal_application_approve, seal_application_submit
from tenants.models import ApiKey, Company, IdempotencyRecord
from tenants.services import api_key_create
from tests.conftest import client_on, enrol_authenticator, totp_now
from tests.documents.pdfs import make_pdf
from tests.documents.test_sealing import _validation_context
from tests.seals.conftest import licence
from workflows.models import AuditEvent

pytestmark = pytest.mark.integration


@pytest.fixture
def committed(django_db_blocker, celery_worker_process):
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        Company.objects.filter(pk=alpha.pk).update(verification=Company.Verification.APPROVED)
        alpha.refresh_from_db()
        yield alpha, alice
        with tenant_context(alpha):
            Document.objects.update(current_version=None)
            DocumentVersion.objects.update(grant=None)
            SigningGrant.objects.all().delete()
            DocumentVersion.objects.all().delete()
            Placement.objects.all().delete()
            Document.objects.all().delete()
            AuditEvent.objects.exclude(action="company.created").delete()
        SealStatusChange.objects.all().delete()
        Seal.objects.all().delete()
        SealApplication.objects.all().delete()
        for model in (RecoveryCode, AuthenticatorDevice, FactorLock, SecurityEvent, IdempotencyRecord, ApiKey):
            model.objects.all().delete()
        Company.objects.filter(pk=alpha.pk).update(verification=Company.Verification.PENDING)


def test_sealing_through_the_api_on_a_real_worker(committed):
    alpha, alice = committed
    application = seal_application_submit(
        company=alpha, applicant=alice, seal_type="contract", seal_name="Alpha Ltd",
        seal_password="Seal-pass-2026", business_licence=licence(),
    )  # fmt: skip
    seal = seal_application_approve(application=application, acting_user=alice)
    with tenant_context(alpha):
        _key, raw_key = api_key_create(company=alpha, name="ERP", scopes=["documents", "seals"], acting_user=alice)
    device, _codes = enrol_authenticator(alice)
    api = client_on(alpha, HTTP_AUTHORIZATION=f"Api-Key {raw_key}")

    from django.core.files.uploadedfile import SimpleUploadedFile

    original = make_pdf(3)
    created = api.post("/api/v1/documents/", {"file": SimpleUploadedFile("c.pdf", original, "application/pdf")})
    assert created.status_code == 201, created.content
    document_id = created.json()["id"]
    placement = {"seal_id": str(seal.pk), "page": 2, "x": 400, "y": 90}
    assert (
        api.post(
            f"/api/v1/documents/{document_id}/placements/", json.dumps(placement), content_type="application/json"
        ).status_code
        == 201
    )
    body = {
        "seal_id": str(seal.pk),
        "seal_password": "Seal-pass-2026",
        "otp_method": "authenticator",
        "otp_code": totp_now(device, 1),
    }
    job = api.post(f"/api/v1/documents/{document_id}/seal/", json.dumps(body), content_type="application/json")
    assert job.status_code == 202, job.content
    job_url = f"/api/v1/documents/{document_id}/jobs/{job.json()['id']}/"
    deadline = time.monotonic() + 60
    while (state := api.get(job_url).json())["status"] in ("pending", "running"):
        assert time.monotonic() < deadline, state
        time.sleep(0.2)
    assert state == {"id": job.json()["id"], "status": "done", "error": "", "version": 2}

    signed = b"".join(api.get(f"/api/v1/documents/{document_id}/versions/2/download/").streaming_content)
    assert signed.startswith(original)
    status = validate_pdf_signature(PdfFileReader(io.BytesIO(signed)).embedded_signatures[0], _validation_context())
    assert status.intact and status.valid and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    with tenant_context(alpha):
        assert DocumentVersion.objects.filter(document_id=document_id).count() == 2
        assert SigningGrant.objects.get().wrapped_data_key is None
