from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from accounts.models import AuthenticatorDevice
from documents.models import Document, SigningGrant
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.versions import document_upload
from seals.services import seal_application_approve, seal_application_submit
from tests.conftest import client_on, enrol_authenticator, totp_now
from tests.documents.pdfs import make_pdf
from tests.seals.conftest import licence

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed_pdf(approved_alpha, world) -> bytes:
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
        document = document_upload(name="c.pdf", data=make_pdf(1), acting_user=world.alice)
        placement_add(
            document=document, company=world.alpha, seal_id=seal.pk, page=0, x=380, y=80, acting_user=world.alice
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
        version = document_seal_execute(grant_id=grant.pk)
        with version.file.open("rb") as handle:
            return handle.read()


def test_anyone_verifies_a_sealed_document_on_the_public_page(sealed_pdf, world):
    response = client_on(None, HTTP_ACCEPT_LANGUAGE="en").post(
        "/verify/", {"file": SimpleUploadedFile("c.pdf", sealed_pdf)}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Signatures valid" in body and "Alpha Ltd" in body and world.alpha.uscc in body
    assert 'src="data:image/png;base64,' in body  # the seal found on the page is shown


def test_the_api_reports_tampering_on_any_host(sealed_pdf, world):
    for client in (client_on(None), client_on(world.beta)):
        response = client.post("/api/v1/verify/", {"file": SimpleUploadedFile("c.pdf", sealed_pdf + b"\n%extra\n")})
        assert response.status_code == 200
        report = response.json()
        assert report["verdict"] == "invalid"
        assert "bytes_after_signature" in report["signatures"][0]["reasons"]


def test_the_api_answers_bad_files_without_crashing(world):
    response = client_on(None).post("/api/v1/verify/", {"file": SimpleUploadedFile("x.pdf", b"\x00\x01garbage")})
    assert response.status_code == 200 and response.json()["verdict"] == "cannot_verify"
    missing = client_on(None).post("/api/v1/verify/", {})
    assert missing.status_code == 400 and missing.json()["type"] == "validation_error"


def test_seal_revoked_after_signing_keeps_the_signature_valid(sealed_pdf, world):
    from datetime import timedelta

    from django.utils import timezone

    from seals.models import Seal
    from seals.services import seal_status_change

    seal_status_change(seal=Seal.objects.get(), to_status="revoked", acting_user=world.alice, reason="Lost")
    # CRL times have one-second resolution: place the revocation clearly after the sealing.
    Seal.objects.update(status_changed_at=timezone.now() + timedelta(minutes=1))
    report = client_on(None).post("/api/v1/verify/", {"file": SimpleUploadedFile("c.pdf", sealed_pdf)}).json()
    assert report["verdict"] == "valid"  # the timestamp proves it was sealed before the revocation
    assert report["signatures"][0]["revoked_later"] is True


def test_document_verify_tab_checks_the_stored_version(sealed_pdf, world):
    from documents.models import Document

    with tenant_context(world.alpha):
        document = Document.objects.get()
    page = client_on(world.alpha, world.bob, HTTP_ACCEPT_LANGUAGE="en").get(f"/documents/{document.pk}/v2/verify/")
    assert page.status_code == 200 and "Signatures valid" in page.content.decode()
    assert client_on(world.beta, world.charlie).get(f"/documents/{document.pk}/v2/verify/").status_code == 404


def test_report_downloads_as_a_bilingual_pdf(sealed_pdf, world):
    import io

    from pypdf import PdfReader

    response = client_on(None).post("/verify/", {"file": SimpleUploadedFile("c.pdf", sealed_pdf), "format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Signatures valid" in text and "签名有效" in text and world.alpha.uscc in text


def test_the_api_adds_signature_pictures_only_when_asked(sealed_pdf):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import client_on

    api = client_on(None)
    plain = api.post("/api/v1/verify/", {"file": SimpleUploadedFile("s.pdf", sealed_pdf)}).json()
    assert plain["verdict"] == "valid" and plain["signatures"][0]["appearance_data_uri"] == ""
    pictured = api.post("/api/v1/verify/", {"file": SimpleUploadedFile("s.pdf", sealed_pdf), "appearances": "true"})
    assert pictured.json()["signatures"][0]["appearance_data_uri"].startswith("data:image/png;base64,")


def test_the_chinese_verify_page_names_certificate_parts_in_chinese(sealed_pdf, world):
    body = client_on(None).post("/verify/", {"file": SimpleUploadedFile("c.pdf", sealed_pdf)}).content.decode()
    assert "通用名称: " in body and "单位: " in body
    assert "Common Name" not in body and "Organization:" not in body
    assert "时间均为北京时间" in body


def test_a_certificate_name_keeps_its_values(world):
    from django.utils import translation

    from documents.templatetags.certificates import certificate_name

    name = "Common Name: Organization: Ltd, Organization Identifier: 91310000X, Country: CN"
    with translation.override("zh-hans"):
        assert certificate_name(name) == "通用名称: Organization: Ltd, 组织机构标识: 91310000X, 国家: CN"
    with translation.override("en"):
        assert (
            certificate_name(name) == "Common name: Organization: Ltd, Organisation identifier: 91310000X, Country: CN"
        )


def test_a_later_signature_is_named_by_its_number_not_its_field_name(approved_alpha, world):
    """Sealed twice: the first signature's changes after signing name "Signature 2", not the
    internal field ("Seal-<seal code>-…") the second one went into."""
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
        document = document_upload(name="c.pdf", data=make_pdf(1), acting_user=world.alice)
        for x in (100, 380):
            # Two confirmations within one 30-second step: the app's code of the next step each time.
            AuthenticatorDevice.objects.filter(pk=device.pk).update(last_t=-1)
            document = Document.objects.get(pk=document.pk)
            placement_add(
                document=document, company=world.alpha, seal_id=seal.pk, page=0, x=x, y=80, acting_user=world.alice
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
            version = document_seal_execute(grant_id=grant.pk)
            assert version is not None, SigningGrant.objects.get(pk=grant.pk).error
        with version.file.open("rb") as handle:
            twice = handle.read()
    for language, later in (("en", "Signature 2"), ("zh-hans", "签名 2")):
        body = (
            client_on(None, HTTP_ACCEPT_LANGUAGE=language)
            .post("/verify/", {"file": SimpleUploadedFile("c.pdf", twice)})
            .content.decode()
        )
        assert body.count("<h3>") >= 2
        assert f" · {later}</dd>" in body, language
        assert f"Seal-{seal.code}" not in body and "Sealhub-" not in body
