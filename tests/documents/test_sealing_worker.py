"""The whole pipeline on a real worker: API upload → placement → confirm → the worker seals
in the company's schema → the new version validates. Data is committed (the worker is
another process), so the test cleans up after itself."""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta

import pytest
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from accounts.models import AttemptCounter, AuthenticatorDevice, FactorLock, RecoveryCode, SecurityEvent, User
from documents.models import Document, DocumentVersion, EvidencePackage, Placement, SigningGrant
from events.models import AuditEvent
from seals.models import Seal, SealApplication, SealStatusChange
from seals.services import seal_application_approve, seal_application_submit
from tenants.models import ApiKey, Company, IdempotencyRecord
from tenants.services import api_key_create
from tests.conftest import client_on, enrol_authenticator, totp_now
from tests.documents.pdfs import covers_whole_file, make_pdf
from tests.documents.test_sealing import _validation_context
from tests.seals.conftest import licence

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
            EvidencePackage.objects.all().delete()
            SigningGrant.objects.all().delete()
            DocumentVersion.objects.all().delete()
            Placement.objects.all().delete()
            Document.objects.all().delete()
            AuditEvent.objects.exclude(action="company.created").delete()
        SealStatusChange.objects.all().delete()
        Seal.objects.all().delete()
        SealApplication.objects.all().delete()
        for model in (
            RecoveryCode,
            AuthenticatorDevice,
            AttemptCounter,
            FactorLock,
            SecurityEvent,
            IdempotencyRecord,
            ApiKey,
        ):
            model.objects.all().delete()
        Company.objects.filter(pk=alpha.pk).update(verification=Company.Verification.PENDING)


def test_sealing_through_the_api_on_a_real_worker(committed):
    alpha, alice = committed
    application = seal_application_submit(
        company=alpha,
        applicant=alice,
        seal_type="contract",
        seal_name="Alpha Ltd",
        seal_password="Seal-pass-2026",
        business_licence=licence(),
    )
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
    assert status.intact and status.valid and covers_whole_file(status)
    with tenant_context(alpha):
        assert DocumentVersion.objects.filter(document_id=document_id).count() == 2
        assert SigningGrant.objects.get().wrapped_data_key is None


def test_worker_killed_mid_seal_leaves_the_original_and_one_version_after_retry(committed, monkeypatch):
    """A worker is SIGKILLed while it signs: the database rolls back, version 1 stays
    current, and the re-queued job on another worker makes exactly one new version."""
    import os
    import signal

    import documents.tasks
    from documents.services.placements import placement_add_at_text
    from documents.services.sealing import document_seal_execute, document_seal_request, document_seal_requeue_stale
    from documents.services.versions import document_upload
    from tests.conftest import start_celery_worker

    alpha, alice = committed
    application = seal_application_submit(
        company=alpha,
        applicant=alice,
        seal_type="contract",
        seal_name="Alpha Ltd",
        seal_password="Seal-pass-2026",
        business_licence=licence(),
    )
    seal = seal_application_approve(application=application, acting_user=alice)
    device, _codes = enrol_authenticator(alice)
    queued = []
    monkeypatch.setattr(
        documents.tasks.document_seal, "apply_async", lambda args, headers: queued.append((args[0], headers))
    )
    with tenant_context(alpha):
        # Fifty signatures (the text search stops at 50 hits): seconds of signing, so the
        # kill lands mid-job.
        document = document_upload(name="long.pdf", data=make_pdf(60), acting_user=alice)
        placement_add_at_text(document=document, company=alpha, seal_id=seal.pk, text="Seal here", acting_user=alice)
        grant = document_seal_request(
            document=document,
            company=alpha,
            seal_id=seal.pk,
            user=alice,
            seal_password="Seal-pass-2026",
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
        )
    assert queued == [(str(grant.pk), {"_schema_name": alpha.schema_name})]  # the grant id only, in alpha's schema
    monkeypatch.undo()

    doomed_queue = f"sealhub-doomed-{os.getpid()}"
    doomed = start_celery_worker(queue=doomed_queue, name=f"doomed-{os.getpid()}")
    with tenant_context(alpha):
        documents.tasks.document_seal.apply_async(args=[str(grant.pk)], queue=doomed_queue)
    time.sleep(2.0)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)

    with tenant_context(alpha):
        grant.refresh_from_db()
        assert grant.status == "pending" and grant.wrapped_data_key is not None
        assert DocumentVersion.objects.filter(document=document).count() == 1
        assert Document.objects.get(pk=document.pk).current_version.number == 1
        # The beat job finds it and queues it again; the session worker finishes it.
        assert document_seal_requeue_stale(older_than=timedelta(0)) == 1
    deadline = time.monotonic() + 120
    with tenant_context(alpha):
        while SigningGrant.objects.get(pk=grant.pk).status in ("pending", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.3)
        assert document_seal_execute(grant_id=grant.pk).number == 2  # a late duplicate changes nothing
        versions = list(DocumentVersion.objects.filter(document=document).values_list("number", "signature_count"))
    assert versions == [(1, 0), (2, len(grant.placements))]
