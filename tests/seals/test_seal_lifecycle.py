from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from django.core import mail
from django.db import connection

from accounts.models import FactorLock
from config.errors import ApplicationError
from seals import pki
from seals.models import Seal, SealApplication, SealStatusChange
from seals.services import (
    seal_application_approve,
    seal_application_reject,
    seal_application_submit,
    seal_password_change,
    seal_private_key_unlock,
    seal_status_change,
)
from tests.conftest import client_on, verified_client_on
from tests.factories import UserFactory
from tests.seals.conftest import licence

pytestmark = pytest.mark.django_db


def _apply(company, user, **overrides):
    data = {
        "company": company,
        "applicant": user,
        "seal_type": "contract",
        "seal_name": "Alpha Ltd 合同专用章",
        "seal_password": "Seal-pass-2026",
        "business_licence": licence(),
    }
    data.update(overrides)
    return seal_application_submit(**data)


@pytest.fixture
def reviewer(db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_apply_then_approve_issues_a_certificate_chaining_to_the_root(approved_alpha, world, reviewer):
    application = _apply(approved_alpha, world.alice)
    response = verified_client_on(None, reviewer).post(
        f"/admin/seals/sealapplication/{application.pk}/decide/", {"decision": "approved", "reason": ""}
    )
    assert response.status_code == 302
    seal = Seal.objects.get(application=application)
    certificate = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
    certificate.verify_directly_issued_by(pki.certificate(pki.Role.SEAL_CA))
    pki.certificate(pki.Role.SEAL_CA).verify_directly_issued_by(pki.certificate(pki.Role.ROOT))
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value == approved_alpha.uscc
    assert certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == seal.code
    assert seal.status == "active"
    assert [(c.from_status, c.to_status) for c in SealStatusChange.objects.filter(application=application)] == [
        ("", "submitted"),
        ("submitted", "approved"),
    ]
    assert any(seal.code in message.body for message in mail.outbox if message.to == [world.alice.email])


def test_key_material_in_the_row_is_useless_without_the_password(approved_alpha, world):
    application = _apply(approved_alpha, world.alice)
    seal = seal_application_approve(application=application, acting_user=world.alice)
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(s)::text FROM seals_seal s WHERE id = %s", [seal.pk])
        row = cursor.fetchone()[0]
    assert "PRIVATE KEY" not in row
    with pytest.raises(ApplicationError) as error:
        seal_private_key_unlock(seal=seal, user=world.alice, seal_password="Wrong-pass-1")
    assert error.value.code == "seal_password_wrong"
    assert len(seal_private_key_unlock(seal=seal, user=world.alice, seal_password="Seal-pass-2026")) == 32


def test_five_wrong_seal_passwords_lock_that_seal_for_that_user(approved_alpha, world):
    seal = seal_application_approve(application=_apply(approved_alpha, world.alice), acting_user=world.alice)
    other = seal_application_approve(
        application=_apply(approved_alpha, world.alice, seal_name="财务章"), acting_user=world.alice
    )
    codes = []
    for _attempt in range(6):
        with pytest.raises(ApplicationError) as error:
            seal_private_key_unlock(seal=seal, user=world.alice, seal_password="Wrong-pass-1")
        codes.append(error.value.code)
    assert codes == ["seal_password_wrong"] * 4 + ["locked", "locked"]
    with pytest.raises(ApplicationError):  # even the right password, while locked
        seal_private_key_unlock(seal=seal, user=world.alice, seal_password="Seal-pass-2026")
    assert FactorLock.objects.get(user=world.alice, factor="seal_password").scope == str(seal.pk)
    # Another seal, and another user, are not locked.
    assert seal_private_key_unlock(seal=other, user=world.alice, seal_password="Seal-pass-2026")
    assert seal_private_key_unlock(seal=seal, user=world.bob, seal_password="Seal-pass-2026")


def test_reject_needs_a_reason_and_destroys_the_key(approved_alpha, world, reviewer):
    application = _apply(approved_alpha, world.alice)
    with pytest.raises(ApplicationError):
        seal_application_reject(application=application, acting_user=reviewer, reason=" ")
    seal_application_reject(application=application, acting_user=reviewer, reason="Licence unreadable")
    application.refresh_from_db()
    assert application.status == "rejected" and application.encrypted_private_key is None
    assert not Seal.objects.filter(application=application).exists()


def test_unapproved_company_cannot_apply(world):
    with pytest.raises(ApplicationError) as error:
        _apply(world.alpha, world.alice)
    assert error.value.code == "company_not_approved"
    assert not SealApplication.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"seal_password": "weak"}, "seal_password_weak"),
        ({"business_licence": None}, "attachment_missing"),
    ],
)
def test_bad_applications_are_refused(approved_alpha, world, overrides, code):
    with pytest.raises(ApplicationError) as error:
        _apply(approved_alpha, world.alice, **overrides)
    assert error.value.code == code
    assert not SealApplication.objects.exists()


def test_non_document_attachment_is_refused(approved_alpha, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ApplicationError) as error:
        _apply(approved_alpha, world.alice, business_licence=SimpleUploadedFile("x.pdf", b"MZ\x90 exe"))
    assert error.value.code == "file_type"


def test_revoked_seal_is_in_the_crl(approved_alpha, world, reviewer):
    seal = seal_application_approve(application=_apply(approved_alpha, world.alice), acting_user=reviewer)
    serial = int(seal.certificate_serial, 16)

    def crl():
        response = client_on(None).get("/pki/seal-ca.crl")
        assert response["Content-Type"] == "application/pkix-crl"
        parsed = x509.load_der_x509_crl(response.content)
        assert parsed.is_signature_valid(pki.certificate(pki.Role.SEAL_CA).public_key())
        return parsed

    assert crl().get_revoked_certificate_by_serial_number(serial) is None
    seal_status_change(seal=seal, to_status="suspended", acting_user=world.alice, reason="Reported lost")
    entry = crl().get_revoked_certificate_by_serial_number(serial)
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.certificate_hold
    seal_status_change(seal=seal, to_status="active", acting_user=world.alice, reason="Found")
    assert crl().get_revoked_certificate_by_serial_number(serial) is None
    seal_status_change(seal=seal, to_status="revoked", acting_user=reviewer, reason="Compromised")
    assert crl().get_revoked_certificate_by_serial_number(serial) is not None
    seal.refresh_from_db()
    assert seal.encrypted_private_key is None
    with pytest.raises(ApplicationError):
        seal_status_change(seal=seal, to_status="active", acting_user=reviewer, reason="undo")


def test_seal_password_change(approved_alpha, world):
    seal = seal_application_approve(application=_apply(approved_alpha, world.alice), acting_user=world.alice)
    seal_password_change(seal=seal, user=world.alice, old_password="Seal-pass-2026", new_password="Brand-new-77")
    seal.refresh_from_db()
    with pytest.raises(ApplicationError):
        seal_private_key_unlock(seal=seal, user=world.alice, seal_password="Seal-pass-2026")
    assert seal_private_key_unlock(seal=seal, user=world.alice, seal_password="Brand-new-77")


def test_root_and_ca_certificates_are_published(db):
    for role in ("root", "seal-ca", "tsa"):
        response = client_on(None).get(f"/pki/{role}.crt")
        assert response.status_code == 200
        x509.load_der_x509_certificate(response.content)
    assert client_on(None).get("/pki/other.crt").status_code == 404


def test_expiry_reminder_is_sent_once_a_week(approved_alpha, world):
    from datetime import timedelta

    from django.utils import timezone

    from seals.tasks import seal_expiry_reminders

    seal = seal_application_approve(application=_apply(approved_alpha, world.alice), acting_user=world.alice)
    assert seal_expiry_reminders.apply().get() == 0  # three years left
    Seal.objects.filter(pk=seal.pk).update(not_after=timezone.now() + timedelta(days=10))
    mail.outbox.clear()
    assert seal_expiry_reminders.apply().get() == 1
    assert seal_expiry_reminders.apply().get() == 0


def test_reviewer_sees_the_seal_preview_and_attachments(approved_alpha, world, reviewer):
    application = _apply(approved_alpha, world.alice)
    admin = verified_client_on(None, reviewer)
    assert admin.get(f"/admin/seals/sealapplication/{application.pk}/preview.png").content.startswith(b"\x89PNG")
    assert admin.get(f"/admin/seals/sealapplication/{application.pk}/attachment/business_licence/").status_code == 200
    assert (
        client_on(None, world.alice).get(f"/admin/seals/sealapplication/{application.pk}/preview.png").status_code
        == 302
    )
