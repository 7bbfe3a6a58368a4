"""The file storage (S3 in production) goes away in the middle of a job: the attempt rolls
back, the document stays as it was, and the job is tried again and finishes once the
storage answers. Nothing is lost: the sealing grant keeps what it needs for the retry."""

from __future__ import annotations

import pytest
from botocore.exceptions import EndpointConnectionError
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from config.errors import ApplicationError
from documents.models import Document, DocumentVersion, SigningGrant
from documents.services.placements import placement_add
from documents.services.previews import PREVIEW_WIDTHS, preview_path
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.versions import document_upload
from documents.tasks import document_previews, document_seal
from seals.services import seal_application_approve, seal_application_submit
from tenants.models import EnvelopeRoute
from tenants.services import api_key_create
from tests.conftest import client_on, enrol_authenticator, totp_now
from tests.documents.pdfs import make_pdf
from tests.seals.conftest import licence
from tests.workflows.conftest import SEAL_PASSWORD
from workflows import cross_tenant
from workflows.envelopes.completion import envelope_complete
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.sending import envelope_send
from workflows.models import Envelope
from workflows.tasks import envelope_complete as envelope_complete_task

pytestmark = pytest.mark.django_db


class StorageOutage:
    """The first `failures` stores (of names containing `only`) fail as S3 storage fails
    when its endpoint does not answer; counts every attempt."""

    def __init__(self, monkeypatch, *, failures: int, only: str = ""):
        self.failures = failures
        self.attempts = 0
        failed = 0
        save = FileSystemStorage._save

        def flaky(storage, name, content):
            nonlocal failed
            self.attempts += 1
            if only in name and failed < self.failures:
                failed += 1
                raise EndpointConnectionError(endpoint_url="http://s3.internal:9000")
            return save(storage, name, content)

        monkeypatch.setattr(FileSystemStorage, "_save", flaky)


@pytest.fixture
def sealing_grant(world, approved_alpha):
    application = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="contract",
        seal_name="Alpha Ltd",
        seal_password="Seal-pass-2026",
        business_licence=licence(),
    )
    seal = seal_application_approve(application=application, acting_user=world.alice)
    device, _codes = enrol_authenticator(world.alice)
    with tenant_context(world.alpha):
        document = document_upload(name="contract.pdf", data=make_pdf(2), acting_user=world.alice)
        placement_add(
            document=document, company=world.alpha, seal_id=seal.pk, page=1, x=380, y=80, acting_user=world.alice
        )
        return document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            user=world.alice,
            seal_password="Seal-pass-2026",
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
        )


def _document_as_uploaded(grant: SigningGrant) -> None:
    document = Document.objects.get(pk=grant.document_id)
    assert document.current_version.number == 1
    assert list(DocumentVersion.objects.filter(document=document).values_list("number", flat=True)) == [1]
    grant.refresh_from_db()
    assert grant.status == "pending" and grant.wrapped_data_key is not None  # the retry can still sign


def test_a_seal_whose_file_cannot_be_stored_changes_nothing_and_succeeds_on_retry(world, sealing_grant, monkeypatch):
    outage = StorageOutage(monkeypatch, failures=1)
    with tenant_context(world.alpha):
        with pytest.raises(ApplicationError) as refused:
            document_seal_execute(grant_id=sealing_grant.pk)
        assert refused.value.code == "storage_unavailable"
        _document_as_uploaded(sealing_grant)
        version = document_seal_execute(grant_id=sealing_grant.pk)  # the storage is back
        assert version.number == 2 and version.signature_count == 1
        assert Document.objects.get(pk=sealing_grant.document_id).current_version == version
        assert default_storage.exists(version.file.name)
    assert outage.attempts == 2


def test_the_sealing_job_retries_by_itself_when_the_storage_is_away(world, sealing_grant, monkeypatch):
    outage = StorageOutage(monkeypatch, failures=1)
    monkeypatch.setattr(document_seal, "default_retry_delay", 0)
    with tenant_context(world.alpha):
        result = document_seal.apply(args=[str(sealing_grant.pk)], headers={"_schema_name": world.alpha.schema_name})
        assert result.successful(), result.traceback
        assert result.get() == {"grant": str(sealing_grant.pk), "version": 2}
        sealing_grant.refresh_from_db()
        assert sealing_grant.status == "done"
        assert list(
            DocumentVersion.objects.filter(document_id=sealing_grant.document_id).values_list("number", flat=True)
        ) == [1, 2]
    assert outage.attempts == 2


def test_page_images_are_tried_again_when_the_storage_is_away(world, monkeypatch):
    with tenant_context(world.alpha):
        document = document_upload(name="scan.pdf", data=make_pdf(2), acting_user=world.alice)
        version = document.current_version
        outage = StorageOutage(monkeypatch, failures=1)
        result = document_previews.apply(args=[str(version.pk)], headers={"_schema_name": world.alpha.schema_name})
        assert result.successful(), result.traceback
        version.refresh_from_db()
        assert version.previews_ready == 2
        for page in range(2):
            for width in PREVIEW_WIDTHS:
                assert default_storage.exists(preview_path(version, page, width))
    assert outage.attempts == 1 + 2 * len(PREVIEW_WIDTHS)  # the failed store, then each image once


def test_an_upload_while_s3_is_away_gives_a_clear_answer_and_keeps_nothing(world, monkeypatch):
    StorageOutage(monkeypatch, failures=1)
    with tenant_context(world.alpha):
        _key, raw = api_key_create(company=world.alpha, name="k", scopes=["documents"], acting_user=world.alice)
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}", HTTP_ACCEPT_LANGUAGE="en")
    response = api.post("/api/v1/documents/", {"file": SimpleUploadedFile("c.pdf", make_pdf(1))})
    assert response.status_code == 503
    assert response.json()["type"] == "storage_unavailable"
    with tenant_context(world.alpha):
        assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    retried = api.post("/api/v1/documents/", {"file": SimpleUploadedFile("c.pdf", make_pdf(1))})
    assert retried.status_code == 201, retried.content


def test_an_envelope_completion_that_cannot_store_its_certificate_keeps_nothing_and_completes_on_retry(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    """The timestamped final version is stored, then the certificate cannot be: the version
    row rolls back and its file is removed, no party company gets a copy, and the task's
    retry completes the envelope."""
    a, b, _d = cast
    with tenant_context(a.company):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=a.user)
        envelope = envelope_create(document=document, name="Supply contract", message="", acting_user=a.user)
        for order, (signer, x) in enumerate(((a, 60), (b, 300)), start=1):
            party = envelope_party_add(
                envelope=envelope,
                kind="company",
                name="",
                email=signer.user.email,
                uscc=signer.company.uscc,
                order=order,
                acting_user=a.user,
            )
            envelope_field_add(party=party, page=0, x=x, y=80, width=100, acting_user=a.user)
        envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
    for signer in (a, b):
        route = cross_tenant.route_get_for_company(
            company=signer.company, route_id=EnvelopeRoute.objects.get(owner=a.company, party_company=signer.company).pk
        )
        grant = cross_tenant.company_party_seal(
            route=route,
            company=signer.company,
            user=signer.user,
            seal_id=signer.seal.pk,
            seal_password=SEAL_PASSWORD,
            otp_method="authenticator",
            otp_code=totp_now(signer.device, 1),
        )
        with tenant_context(a.company), django_capture_on_commit_callbacks(execute=False):
            document_seal_execute(grant_id=grant["id"])  # the completion it queues is run below

    outage = StorageOutage(monkeypatch, failures=2, only="certificate")
    with tenant_context(a.company):
        folder = f"{a.company.schema_name}/documents/{document.pk}"
        files_before = default_storage.listdir(folder)[1]
        sealed = Document.objects.get(pk=document.pk).current_version.number  # prepared, then two seals
        with pytest.raises(EndpointConnectionError):
            envelope_complete(envelope_id=envelope.pk)
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.IN_PROGRESS and not envelope.certificate
        assert Document.objects.get(pk=document.pk).current_version.number == sealed
        assert DocumentVersion.objects.filter(document=document).count() == sealed
        assert default_storage.listdir(folder)[1] == files_before  # the timestamped file is gone again
    with tenant_context(b.company):
        assert not Document.objects.exists()

    with tenant_context(a.company):  # the task: fails once more, then its retry completes
        result = envelope_complete_task.apply(args=[str(envelope.pk)], headers={"_schema_name": a.company.schema_name})
        assert result.successful(), result.traceback
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.COMPLETED and envelope.certificate
        assert envelope.final_version.number == sealed + 1
    with tenant_context(b.company):
        assert set(Document.objects.values_list("name", flat=True)) == {
            "Supply contract.pdf",
            "Supply contract-certificate.pdf",
        }
    assert outage.attempts >= 3
