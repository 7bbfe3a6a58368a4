"""Seals in the national format (GB/T 38540): issued on approval, downloaded as `.esl`,
verified; the SM2 key lives under the seal password like the other key."""

from __future__ import annotations

import pytest
from asn1crypto import pem
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sealcore import national_format as national
from sealcore import sm2
from seals import keys, pki
from seals.models import PlatformAuthority, Seal
from seals.services import (
    seal_application_approve,
    seal_private_key_unlock,
    seal_sm2_key,
    seal_status_change,
)
from tests.conftest import client_on, verified_client_on
from tests.seals.test_seal_lifecycle import _apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def seal(approved_alpha, world) -> Seal:
    return seal_application_approve(application=_apply(approved_alpha, world.alice), acting_user=world.alice)


def _maker_trust() -> national.Trust:
    return national.Trust(makers=[pki.sm2_maker_certificate().dump()])


def test_approval_issues_a_national_seal_that_verifies(seal, approved_alpha):
    verdict = national.verify_seal(bytes(seal.national_seal_der), trust=_maker_trust())
    assert verdict.verdict == national.VALID, verdict.steps
    data = verdict.seal
    assert (data.version, data.vendor_id, data.es_id, data.name) == (4, "Sealhub", seal.code, seal.name)
    assert data.seal_type == national.SEAL_TYPE_ORGANISATION
    assert (data.picture_type, data.width_mm, data.height_mm) == ("PNG", 42, 42)
    assert data.picture.startswith(b"\x89PNG")
    sm2_certificate_der = pem.unarmor(seal.sm2_certificate_pem.encode())[2]
    pades_certificate_der = x509.load_pem_x509_certificate(seal.certificate_pem.encode()).public_bytes(
        serialization.Encoding.DER
    )
    assert data.certificates == [sm2_certificate_der, pades_certificate_der]
    assert data.maker_certificate == pki.sm2_maker_certificate().dump()
    assert seal.not_before <= data.valid_until and data.valid_from <= seal.not_after
    sm2_certificate = sm2.load_certificate(sm2_certificate_der)
    assert sm2.certificate_signed_by(sm2_certificate, pki.sm2_maker_certificate())
    assert sm2_certificate.subject.native["serial_number"] == seal.code
    assert sm2_certificate.subject.native["organization_name"] == approved_alpha.name
    assert not seal.dual_signing  # off until a seal manager turns it on


def test_the_sm2_key_opens_with_the_seal_password_only(seal, world):
    data_key = seal_private_key_unlock(seal=seal, user=world.alice, seal_password="Seal-pass-2026")
    key_pair = seal_sm2_key(seal=seal, data_key=data_key)
    assert key_pair.public_key == bytes(seal.sm2_public_key)
    certificate = sm2.load_certificate(pem.unarmor(seal.sm2_certificate_pem.encode())[2])
    assert sm2.certificate_public_key(certificate) == key_pair.public_key
    assert key_pair.private_key not in bytes(seal.sm2_encrypted_private_key)
    with pytest.raises(Exception):  # noqa: B017 - another data key cannot open it
        seal_sm2_key(seal=seal, data_key=keys.new_data_key())


def test_revoking_destroys_the_sm2_key_too(seal, world):
    seal_status_change(seal=seal, to_status="revoked", acting_user=world.alice, reason="Compromised")
    seal.refresh_from_db()
    assert seal.sm2_encrypted_private_key is None and not seal.has_national_seal


@pytest.fixture
def _forget_cached_authorities():
    """The test's new maker is rolled back with its transaction; the process cache must not keep it."""
    yield
    pki.sm2_maker.cache_clear()
    pki.authority.cache_clear()


@pytest.mark.usefixtures("_forget_cached_authorities")
def test_pki_init_adds_the_sm2_maker_to_an_existing_install(db):
    PlatformAuthority.objects.filter(role=PlatformAuthority.Role.SM2_MAKER).delete()
    assert pki.pki_init() == ["sm2_maker"]
    assert pki.pki_init() == []
    key_pair, certificate = pki.sm2_maker()
    assert sm2.certificate_public_key(certificate) == key_pair.public_key
    assert sm2.certificate_signed_by(certificate, certificate)


def test_seal_page_shows_the_national_seal_and_downloads_it(seal, approved_alpha, world):
    client = client_on(approved_alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(f"/seals/{seal.pk}/").content.decode()
    assert "GB/T 38540" in page and "ES / 4 / Sealhub" in page and "42 × 42 mm" in page
    response = client.get(f"/seals/{seal.pk}/seal.esl")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="seal-{seal.code}.esl"'
    assert response.content == bytes(seal.national_seal_der)


def test_other_company_cannot_download_the_national_seal(seal, world):
    charlie = client_on(world.beta, world.charlie)
    assert charlie.get(f"/seals/{seal.pk}/seal.esl").status_code == 404
    assert charlie.post(f"/seals/{seal.pk}/dual-signing/", {"enabled": "true"}).status_code == 404
    seal.refresh_from_db()
    assert not seal.dual_signing


def test_only_seal_managers_turn_dual_signing_on(seal, approved_alpha, world):
    bob = client_on(approved_alpha, world.bob, HTTP_ACCEPT_LANGUAGE="en")
    bob.post(f"/seals/{seal.pk}/dual-signing/", {"enabled": "true"})
    seal.refresh_from_db()
    assert not seal.dual_signing
    alice = client_on(approved_alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    assert alice.post(f"/seals/{seal.pk}/dual-signing/", {"enabled": "true"}).status_code == 302
    seal.refresh_from_db()
    assert seal.dual_signing
    alice.post(f"/seals/{seal.pk}/dual-signing/", {"enabled": "false"})
    seal.refresh_from_db()
    assert not seal.dual_signing


def test_admin_shows_the_national_seal_fields(seal):
    from tests.factories import UserFactory

    client = verified_client_on(None, UserFactory(is_staff=True, is_superuser=True), HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(f"/admin/seals/seal/{seal.pk}/change/").content.decode()
    assert "GB/T 38540" in page and seal.code in page and "SM3withSM2" in page
    download = client.get(f"/admin/seals/seal/{seal.pk}/seal.esl")
    assert download.content == bytes(seal.national_seal_der)
