"""Key protection and the CA: pure functions, no database."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from seals import ca, keys
from seals.codes import seal_code_for, seal_code_is_valid

MASTER_KEY = b"this-server-master-key"


def test_private_key_needs_the_seal_password():
    private_key = keys.generate_private_key("ec-p256")
    protected = keys.protect_private_key(private_key, "Seal-pass-1", context=b"app-1", master_key=MASTER_KEY)
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Nothing stored contains the key in clear.
    for blob in (protected.encrypted_private_key, protected.wrapped_data_key, protected.kdf_salt):
        assert der not in blob and der[-32:] not in blob
    with pytest.raises(keys.WrongSealPassword):
        keys.unwrap_data_key(protected, "Seal-pass-2", context=b"app-1", master_key=MASTER_KEY)
    with pytest.raises(keys.WrongSealPassword):  # bound to its own row
        keys.unwrap_data_key(protected, "Seal-pass-1", context=b"app-2", master_key=MASTER_KEY)
    data_key = keys.unwrap_data_key(protected, "Seal-pass-1", context=b"app-1", master_key=MASTER_KEY)
    restored = keys.decrypt_private_key(protected, data_key, context=b"app-1")
    assert restored.public_key().public_numbers() == private_key.public_key().public_numbers()


def test_private_key_needs_the_master_key_too():
    protected = keys.protect_private_key(keys.generate_private_key(), "Seal-pass-1", context=b"a", master_key=b"A")
    with pytest.raises(keys.MasterKeyMismatch):  # the right password alone opens nothing
        keys.unwrap_data_key(protected, "Seal-pass-1", context=b"a", master_key=b"B")
    changed = keys.rewrap(protected, "Seal-pass-1", "Seal-pass-2", context=b"a", master_key=b"A")
    with pytest.raises(keys.MasterKeyMismatch):
        keys.unwrap_data_key(changed, "Seal-pass-2", context=b"a", master_key=b"B")
    assert keys.unwrap_data_key(changed, "Seal-pass-2", context=b"a", master_key=b"A")


def test_password_change_rewraps_only_the_data_key():
    protected = keys.protect_private_key(keys.generate_private_key("rsa-2048"), "Old-pass-11", master_key=MASTER_KEY)
    changed = keys.rewrap(protected, "Old-pass-11", "New-pass-22", master_key=MASTER_KEY)
    assert changed.encrypted_private_key == protected.encrypted_private_key
    with pytest.raises(keys.WrongSealPassword):
        keys.unwrap_data_key(changed, "Old-pass-11", master_key=MASTER_KEY)
    assert keys.unwrap_data_key(changed, "New-pass-22", master_key=MASTER_KEY) == keys.unwrap_data_key(
        protected, "Old-pass-11", master_key=MASTER_KEY
    )


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("short1", ["too_short"]),
        ("onlyletters", ["needs_letters_and_digits"]),
        ("1111aaaa", ["too_repetitive"]),
        ("Seal-2026-x", []),
    ],
)
def test_seal_password_strength(password, problems):
    assert keys.seal_password_problems(password) == problems


def test_seal_certificate_chains_to_the_root_and_names_the_company():
    root_key, root_cert = ca.create_root_ca()
    seal_ca_key, seal_ca_cert = ca.create_subordinate_ca(root_key, root_cert, crl_url="http://x/crl")
    private_key = keys.generate_private_key()
    subject = ca.SealSubject(
        "演示科技有限公司", "91110000802100433B", seal_code_for("91110000802100433B", 1), "合同专用章"
    )
    request = ca.build_csr(private_key, ca.SealSubject(subject.company_name, subject.uscc, "", subject.seal_name))
    certificate = ca.issue_seal_certificate(seal_ca_key, seal_ca_cert, request, subject, crl_url="http://x/crl")
    certificate.verify_directly_issued_by(seal_ca_cert)
    seal_ca_cert.verify_directly_issued_by(root_cert)
    name = certificate.subject
    assert name.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value == "91110000802100433B"
    assert name.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == subject.seal_code
    assert certificate.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment


def test_seal_codes_carry_region_and_check_digit():
    code = seal_code_for("91110000802100433B", 17)
    assert code.startswith("110000") and len(code) == 13 and seal_code_is_valid(code)
    assert not seal_code_is_valid(code[:-1] + str((int(code[-1]) + 1) % 10))
