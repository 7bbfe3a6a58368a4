"""Route 2: a third-party CA's PKCS#12 file becomes a seal."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from config.errors import ApplicationError
from seals.imports import seal_import_pkcs12
from seals.models import Seal
from seals.services import seal_private_key_unlock
from tests.conftest import client_on

pytestmark = pytest.mark.django_db


def _third_party_pkcs12(
    *, organisation="Alpha Ltd", uscc="91110000802100433B", days=365, ca=False, password=b"p12-pass"
):
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Third-Party CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=2))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, uscc),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} signing"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"seal", key, cert, [ca_cert], serialization.BestAvailableEncryption(password)
    )
    return data, key


def _import(world, data, **overrides):
    arguments = {
        "company": world.alpha,
        "acting_user": world.alice,
        "pkcs12_data": data,
        "pkcs12_password": "p12-pass",
        "seal_type": "contract",
        "seal_password": "Seal-pass-2026",
    }
    arguments.update(overrides)
    return seal_import_pkcs12(**arguments)


def test_import_registers_a_third_party_seal_under_a_new_password(world):
    data, key = _third_party_pkcs12()
    seal = _import(world, data)
    assert seal.issuer == Seal.Issuer.THIRD_PARTY and seal.status == "active"
    assert "Example Third-Party CA" in seal.issuer_name and seal.chain_pem.startswith("-----BEGIN CERTIFICATE-----")
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT encrypted_private_key, wrapped_data_key FROM seals_seal WHERE id = %s", [seal.pk])
        stored = b"".join(bytes(value) for value in cursor.fetchone())
    assert key_der[-32:] not in stored
    with pytest.raises(ApplicationError):
        seal_private_key_unlock(seal=seal, user=world.alice, seal_password="p12-pass")
    assert seal_private_key_unlock(seal=seal, user=world.alice, seal_password="Seal-pass-2026")


@pytest.mark.parametrize(
    ("make", "overrides", "code"),
    [
        (lambda: _third_party_pkcs12(), {"pkcs12_password": "wrong"}, "pkcs12_unreadable"),
        (lambda: (b"not a pkcs12 file at all", None), {}, "pkcs12_unreadable"),
        (lambda: _third_party_pkcs12(days=-1), {}, "certificate_expired"),
        (lambda: _third_party_pkcs12(ca=True), {}, "certificate_is_ca"),
        (
            lambda: _third_party_pkcs12(organisation="Other Co", uscc="91310000MA1FL4CT3U"),
            {},
            "certificate_other_company",
        ),
        (lambda: _third_party_pkcs12(), {"seal_password": "weak"}, "seal_password_weak"),
    ],
)
def test_bad_files_get_a_clear_reason_and_nothing_is_stored(world, make, overrides, code):
    data, _key = make()
    with pytest.raises(ApplicationError) as error:
        _import(world, data, **overrides)
    assert error.value.code == code
    assert not Seal.objects.filter(company=world.alpha).exists()


def test_import_page(world):
    data, _key = _third_party_pkcs12()
    client = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    form = {
        "pkcs12_password": "p12-pass",
        "seal_type": "official",
        "seal_password": "Seal-pass-2026",
        "seal_password_again": "Seal-pass-2026",
    }
    response = client.post("/seals/import/", {**form, "pkcs12_file": SimpleUploadedFile("c.p12", data)})
    seal = Seal.objects.get(company=world.alpha)
    assert response["Location"] == f"/seals/{seal.pk}/"
    again = client.post("/seals/import/", {**form, "pkcs12_file": SimpleUploadedFile("c.p12", data)})
    assert again.status_code == 400 and "already registered" in again.content.decode()
