"""A seal's key at rest opens only with the seal password AND the server master key
(docs/threat-model.md, "Assets"): a copy of the database row is useless without
MASTER_KEY, and weak seal passwords are refused wherever a seal password is chosen."""

from __future__ import annotations

import importlib

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.apps import apps
from django.db import connection
from django_tenants.utils import tenant_context

from config.crypto import server_master_key
from config.errors import ApplicationError
from documents.models import DocumentVersion
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.versions import document_upload
from seals import keys
from seals.models import Seal, SealApplication
from seals.services import seal_application_approve, seal_application_submit, seal_private_key_unlock
from tenants.models import ApiKey
from tenants.services import api_key_create
from tests.conftest import client_on, enrol_authenticator, totp_now
from tests.documents.pdfs import make_pdf
from tests.seals.conftest import licence

pytestmark = pytest.mark.django_db

SEAL_PASSWORD = "Seal-pass-2026"


def _migration():
    return importlib.import_module("seals.migrations.0007_seal_keys_under_master_key")


@pytest.fixture
def seal(approved_alpha, world) -> Seal:
    application = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="contract",
        seal_name="Alpha Ltd",
        seal_password=SEAL_PASSWORD,
        business_licence=licence(),
    )
    return seal_application_approve(application=application, acting_user=world.alice)


def _stolen_row(seal: Seal) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT wrapped_data_key, kdf_salt, kdf_n, kdf_r, kdf_p, application_id FROM seals_seal WHERE id = %s",
            [seal.pk],
        )
        return cursor.fetchone()


def _opens_with_the_row_alone(row: tuple, password: str) -> bool:
    """What an attacker with a copy of the row can test offline: scrypt(password) against
    the wrapped data key."""
    wrapped, salt, n, r, p, application_id = row
    wrapped = bytes(wrapped)
    key = Scrypt(salt=bytes(salt), length=32, n=n, r=r, p=p).derive(password.encode())
    try:
        AESGCM(key).decrypt(wrapped[:12], wrapped[12:], b"wrap:" + str(application_id).encode())
    except InvalidTag:
        return False
    return True


def _seal_a_document(world, seal: Seal) -> DocumentVersion:
    device, _codes = enrol_authenticator(world.alice)
    with tenant_context(world.alpha):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=world.alice)
        placement_add(
            document=document, company=world.alpha, seal_id=seal.pk, page=0, x=380, y=80, acting_user=world.alice
        )
        grant = document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            user=world.alice,
            seal_password=SEAL_PASSWORD,
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
        )
        return document_seal_execute(grant_id=grant.pk)


def test_the_database_row_alone_does_not_open_the_key_even_with_the_right_password(seal):
    row = _stolen_row(seal)
    assert not _opens_with_the_row_alone(row, SEAL_PASSWORD)
    seal.refresh_from_db()
    context = str(seal.application_id).encode()
    with pytest.raises(keys.MasterKeyMismatch):  # the right password, another server's master key
        keys.unwrap_data_key(seal.protected_key, SEAL_PASSWORD, context=context, master_key=b"another-master-key")
    # With both the password and this server's master key the key opens (and signs, below).
    data_key = keys.unwrap_data_key(seal.protected_key, SEAL_PASSWORD, context=context, master_key=server_master_key())
    assert keys.decrypt_private_key(seal.protected_key, data_key, context=context) is not None


def test_a_wrong_master_key_is_not_counted_as_a_wrong_seal_password(seal, world, settings):
    settings.MASTER_KEY = "a-different-master-key-0000000000000000000000"
    with pytest.raises(keys.MasterKeyMismatch):
        seal_private_key_unlock(seal=seal, user=world.alice, seal_password=SEAL_PASSWORD)


def test_seal_password_change_keeps_the_master_key_layer(seal, world):
    from seals.services import seal_password_change

    seal = seal_password_change(seal=seal, user=world.alice, old_password=SEAL_PASSWORD, new_password="Other-pass-2027")
    row = _stolen_row(seal)
    assert not _opens_with_the_row_alone(row, "Other-pass-2027")
    assert seal_private_key_unlock(seal=seal, user=world.alice, seal_password="Other-pass-2027")


def test_an_old_row_is_migrated_under_the_master_key_and_still_signs(seal, world):
    # The row as stored before the master-key layer existed (the migration's reverse).
    _migration().remove_master_key_layer(apps, None)
    old_row = _stolen_row(seal)
    assert _opens_with_the_row_alone(old_row, SEAL_PASSWORD)  # what a database copy gave away
    _migration().add_master_key_layer(apps, None)
    assert not _opens_with_the_row_alone(_stolen_row(seal), SEAL_PASSWORD)
    version = _seal_a_document(world, seal)
    assert version.number == 2 and version.signature_count == 1


def test_pending_applications_are_migrated_too(approved_alpha, world):
    application = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="contract",
        seal_name="Alpha Ltd",
        seal_password=SEAL_PASSWORD,
        business_licence=licence(),
    )
    _migration().remove_master_key_layer(apps, None)
    _migration().add_master_key_layer(apps, None)
    application = SealApplication.objects.get(pk=application.pk)
    context = str(application.pk).encode()
    assert keys.unwrap_data_key(
        application.protected_key, SEAL_PASSWORD, context=context, master_key=server_master_key()
    )
    seal = seal_application_approve(application=application, acting_user=world.alice)
    assert _seal_a_document(world, seal).signature_count == 1


# --- weak seal passwords ------------------------------------------------------------------

COMMON = ["Password123", "qwerty123", "1qaz2wsx"]  # letters and digits, yet on every list


@pytest.mark.parametrize("password", COMMON)
def test_common_seal_passwords_are_refused_by_the_api(approved_alpha, world, password):
    with tenant_context(world.alpha):
        _key, raw = api_key_create(
            company=world.alpha, name="k", scopes=list(ApiKey.Scope.values), acting_user=world.alice
        )
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}", HTTP_ACCEPT_LANGUAGE="en")
    response = api.post(
        "/api/v1/seal_applications/",
        {"seal_type": "finance", "seal_name": "X", "seal_password": password, "business_licence": licence()},
    )
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["type"] == "seal_password_weak"
    assert "a less common password" in body["detail"]
    assert not SealApplication.objects.exists()


def test_the_seal_password_form_is_no_oracle_for_the_sign_in_password(approved_alpha, world):
    """A refusal of "the same as your sign-in password" would let whoever holds a session
    test guesses at that password, uncounted; the sign-in password is answered like any other."""
    world.alice.set_password("Alpha-login-2026")
    world.alice.save()
    browser = client_on(world.alpha, world.alice)
    form = {"seal_type": "finance", "seal_name": "X", "key_algorithm": "ec-p256"}
    answers = []
    for guess in ("Alpha-login-2026", "Alpha-login-2027"):
        response = browser.post(
            "/seals/apply/",
            {**form, "seal_password": guess, "seal_password_again": guess, "business_licence": licence()},
        )
        answers.append(response.status_code)
    assert answers[0] == answers[1]
    assert SealApplication.objects.count() == (2 if answers[0] == 302 else 0)


def test_a_weak_password_is_refused_at_import_and_at_password_change(seal, world):
    from seals.imports import seal_import_pkcs12
    from seals.services import seal_password_change

    with pytest.raises(ApplicationError) as error:
        seal_import_pkcs12(
            company=world.alpha,
            acting_user=world.alice,
            pkcs12_data=b"x",
            pkcs12_password="",
            seal_type="contract",
            seal_password="Password123",
        )
    assert error.value.code == "seal_password_weak"
    browser = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    response = browser.post(
        f"/seals/{seal.pk}/password/",
        {"old_password": SEAL_PASSWORD, "new_password": "qwerty123", "new_password_again": "qwerty123"},
        follow=True,
    )
    assert "The seal password is too weak" in response.content.decode()
    assert seal_private_key_unlock(seal=seal, user=world.alice, seal_password=SEAL_PASSWORD)
    with pytest.raises(ApplicationError) as error:
        seal_password_change(seal=seal, user=world.alice, old_password=SEAL_PASSWORD, new_password="1qaz2wsx")
    assert error.value.code == "seal_password_weak"


def test_setup_with_another_master_key_stops_with_a_clear_reason(db, settings):
    """Starting against a database set up under another MASTER_KEY (a lost or mistyped key)
    failed with a bare cryptography traceback; the setup now says what is wrong and changes
    nothing."""
    from django.core.management import CommandError

    from seals import pki
    from seals.models import PlatformAuthority

    before = list(PlatformAuthority.objects.order_by("role").values_list("role", "encrypted_private_key"))
    settings.MASTER_KEY = "another-master-key-than-the-one-this-database-was-set-up-with"
    pki.authority.cache_clear()
    try:
        with pytest.raises(CommandError, match="MASTER_KEY"):
            pki.pki_init()
    finally:
        pki.authority.cache_clear()
    after = list(PlatformAuthority.objects.order_by("role").values_list("role", "encrypted_private_key"))
    assert after == before
