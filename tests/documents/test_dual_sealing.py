"""Dual signing end to end: a seal with the option on seals a PDF through the sealing job;
pyHanko validates the PAdES signature, the verifier validates the SM2 one, and both catch
one changed byte. `.esl` files are verified on the same page and API."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from accounts.models import Membership
from documents.pdf.national import national_signatures
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.versions import document_upload
from sealcore import national_format
from seals.models import Seal
from seals.services import seal_application_approve, seal_dual_signing_set
from tests.conftest import client_on, enrol_authenticator, totp_now
from tests.documents.pdfs import covers_whole_file, make_pdf
from tests.documents.test_sealing import _validation_context
from tests.seals.test_seal_lifecycle import _apply

pytestmark = pytest.mark.django_db


def _seal_pdf(world, seal: Seal, data: bytes) -> bytes:
    device, _codes = enrol_authenticator(world.alice)
    with tenant_context(world.alpha):
        document = document_upload(name="c.pdf", data=data, acting_user=world.alice)
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


@pytest.fixture
def dual_seal(approved_alpha, world) -> Seal:
    seal = seal_application_approve(application=_apply(approved_alpha, world.alice), acting_user=world.alice)
    membership = Membership.objects.get(user=world.alice, company=approved_alpha)
    return seal_dual_signing_set(seal=seal, enabled=True, acting_membership=membership)


@pytest.fixture
def dual_sealed(world, dual_seal) -> tuple[bytes, bytes]:
    original = make_pdf()
    return original, _seal_pdf(world, dual_seal, original)


def _verify(data: bytes, name: str = "c.pdf") -> dict:
    response = client_on(None, HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/verify/", {"file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 200
    return response.json()


def test_dual_sealing_gives_a_pades_and_an_ses_signature_that_both_verify(dual_sealed, dual_seal):
    original, signed = dual_sealed
    (signature,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    status = validate_pdf_signature(signature, _validation_context())
    assert status.intact and status.valid and status.trusted
    assert covers_whole_file(status)
    (embedded,) = national_signatures(signed)
    assert embedded.field_name == signature.field_name
    report = _verify(signed)
    assert report["verdict"] == "valid" and report["signatures"][0]["verdict"] == "valid"
    (national,) = report["national"]
    assert national["verdict"] == "valid" and national["failed_step"] == ""
    assert {step["name"]: step["result"] for step in national["steps"]} == {
        name: "ok" for name in national_format.SIGNATURE_STEPS
    }
    assert national["es_id"] == dual_seal.code and national["property_info"] == f"/ByteRange [0 {len(original)}]"


def test_one_changed_byte_in_the_protected_range_fails_both_signatures(dual_sealed):
    original, signed = dual_sealed
    position = signed.index(b"ReportLab")
    assert position < len(original)
    tampered = signed[:position] + b"X" + signed[position + 1 :]
    report = _verify(tampered)
    assert report["verdict"] == "invalid"
    assert report["signatures"][0]["verdict"] == "invalid"
    assert report["national"][0]["verdict"] == "invalid"
    assert report["national"][0]["failed_step"] == "document_hash"
    assert "a_national_signature_is_invalid" in report["reasons"]


def test_without_dual_signing_the_pdf_has_no_national_signature(approved_alpha, world):
    seal = seal_application_approve(application=_apply(approved_alpha, world.alice), acting_user=world.alice)
    signed = _seal_pdf(world, seal, make_pdf())
    assert national_signatures(signed) == []
    report = _verify(signed)
    assert report["verdict"] == "valid" and report["national"] == []


def test_seal_revoked_after_dual_sealing_keeps_both_signatures_valid(dual_sealed, dual_seal, world):
    from datetime import timedelta

    from django.utils import timezone

    from seals.services import seal_status_change

    _original, signed = dual_sealed
    seal_status_change(seal=dual_seal, to_status="revoked", acting_user=world.alice, reason="Lost")
    Seal.objects.filter(pk=dual_seal.pk).update(status_changed_at=timezone.now() + timedelta(minutes=1))
    report = _verify(signed)
    assert report["verdict"] == "valid" and report["national"][0]["verdict"] == "valid"
    Seal.objects.filter(pk=dual_seal.pk).update(status_changed_at=timezone.now() - timedelta(days=1))
    report = _verify(signed)
    assert report["national"][0]["failed_step"] == "signer_certificate"


def test_the_verify_page_checks_an_esl_file_step_by_step(dual_seal):
    response = client_on(None, HTTP_ACCEPT_LANGUAGE="en").post(
        "/verify/", {"file": SimpleUploadedFile(f"seal-{dual_seal.code}.esl", bytes(dual_seal.national_seal_der))}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Electronic seal (GB/T 38540)" in body and dual_seal.code in body
    assert "The seal maker&#x27;s signature" in body and "Passed" in body
    report = _verify(bytes(dual_seal.national_seal_der), "seal.esl")
    assert report["kind"] == "national_seal" and report["verdict"] == "valid"
    assert [step["name"] for step in report["national"][0]["steps"]] == list(national_format.SEAL_STEPS)


@pytest.mark.parametrize("cut", [1, 10, 200, -1])
def test_malformed_esl_files_get_a_verdict_naming_the_step(dual_seal, cut):
    report = _verify(bytes(dual_seal.national_seal_der)[:cut], "seal.esl")
    assert report["verdict"] == "cannot_verify"
    assert report["national"][0]["failed_step"] == "structure"
    assert report["national"][0]["failed_step_label"] == "The seal data can be read"


def test_esl_from_another_maker_is_invalid(approved_alpha):
    import datetime as dt

    from sealcore import sm2

    maker_key, maker_cert = sm2.create_maker_authority("Some other maker")
    now = dt.datetime.now(dt.UTC)
    der = national_format.build_seal(
        maker_key=maker_key,
        maker_certificate=maker_cert.dump(),
        es_id="X",
        name="X",
        seal_type=1,
        signer_certificates=[],
        valid_from=now,
        valid_until=now + dt.timedelta(days=1),
        picture_png=b"",
        width_mm=40,
        height_mm=40,
    )
    report = _verify(der, "other.esl")
    assert report["verdict"] == "invalid" and report["national"][0]["failed_step"] == "maker_certificate"
