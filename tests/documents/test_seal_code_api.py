"""An integrator whose member has no authenticator app asks the API for the emailed seal
code, then seals with it: the same limits as the page (one code a minute, the lockout),
only for the company's own documents and only with the `seals` scope."""

from __future__ import annotations

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from documents.models import SigningGrant
from seals.services import seal_application_approve, seal_application_submit
from tenants.services import api_key_create
from tests.accounts.conftest import last_code
from tests.conftest import client_on, enrol_authenticator
from tests.documents.pdfs import make_pdf
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


def _api(world, company, user, scopes=("documents", "seals")):
    with tenant_context(company):
        _key, raw = api_key_create(company=company, name="ERP", scopes=list(scopes), acting_user=user)
    return client_on(company, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def _placed_document(api, seal) -> str:
    document_id = api.post("/api/v1/documents/", {"file": _pdf_file()}).json()["id"]
    placed = api.post(
        f"/api/v1/documents/{document_id}/placements/",
        {"seal_id": str(seal.pk), "page": 0, "x": 380, "y": 80},
        content_type="application/json",
    )
    assert placed.status_code == 201, placed.content
    return document_id


def _pdf_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("contract.pdf", make_pdf(1), content_type="application/pdf")


def test_an_emailed_code_requested_through_the_api_seals(world, seal, django_capture_on_commit_callbacks):
    api = _api(world, world.alpha, world.alice)
    document_id = _placed_document(api, seal)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/documents/{document_id}/seal/code/")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["valid_for_seconds"] == 600
    assert "alice@alpha.example" not in body["sent_to"] and body["sent_to"].endswith("@alpha.example")
    assert mail.outbox[-1].to == ["alice@alpha.example"]

    sealed = api.post(
        f"/api/v1/documents/{document_id}/seal/",
        {
            "seal_id": str(seal.pk),
            "seal_password": "Seal-pass-2026",
            "otp_method": "email",
            "otp_code": last_code("alice@alpha.example"),
        },
        content_type="application/json",
    )
    assert sealed.status_code == 202, sealed.content
    with tenant_context(world.alpha):
        assert SigningGrant.objects.get(pk=sealed.json()["id"]).evidence["method"] == "email"


def test_a_second_code_within_a_minute_is_refused(world, seal, django_capture_on_commit_callbacks):
    api = _api(world, world.alpha, world.alice)
    document_id = _placed_document(api, seal)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/documents/{document_id}/seal/code/").status_code == 202
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"/api/v1/documents/{document_id}/seal/code/")
    assert again.status_code == 429
    assert again.json()["type"] == "code_too_soon"
    assert len(mail.outbox) == sent


def test_no_code_is_sent_to_a_member_who_confirms_with_an_app(world, seal, django_capture_on_commit_callbacks):
    enrol_authenticator(world.alice)
    api = _api(world, world.alpha, world.alice)
    document_id = _placed_document(api, seal)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/documents/{document_id}/seal/code/")
    assert response.status_code == 409
    assert response.json()["type"] == "email_code_not_accepted"
    assert len(mail.outbox) == sent


def test_another_companys_document_and_a_key_without_the_seals_scope_get_nothing(
    world, seal, django_capture_on_commit_callbacks
):
    document_id = _placed_document(_api(world, world.alpha, world.alice), seal)
    documents_only = _api(world, world.alpha, world.alice, scopes=("documents",))
    beta = _api(world, world.beta, world.charlie)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert documents_only.post(f"/api/v1/documents/{document_id}/seal/code/").status_code == 403
        assert beta.post(f"/api/v1/documents/{document_id}/seal/code/").status_code == 404
    assert len(mail.outbox) == sent
