"""Seal private keys under the seal password (Electronic Signature Law art. 13: the
creation data is under the signer's sole control).

The private key (PKCS#8 DER) is encrypted with a random 256-bit data key (AES-256-GCM);
the data key is wrapped with a key derived from the seal password (scrypt), and that again
under the server master key (sealcore/crypto.py): a copy of the database alone allows no
offline password guessing, and the master key alone opens nothing. Changing the password
re-wraps the data key only. Plain functions over bytes; callers pass the master key
(config.crypto.server_master_key()), so this module needs no Django.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from sealcore import crypto

NONCE_BYTES = 12
# scrypt cost: ~50 ms here; interactive, yet each password guess costs an attacker as much.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSWORD_LENGTH = 8

ALGORITHMS = ("ec-p256", "rsa-2048")
# HKDF purpose of the master-key layer over the password-wrapped data key. The data
# migration seals/migrations/0007 spells it out too (a migration keeps its own copy).
MASTER_KEY_PURPOSE = "seal-data-key"


class WrongSealPassword(Exception):
    pass


class MasterKeyMismatch(Exception):
    """The master-key layer does not open: the server runs with another MASTER_KEY than the
    one the key was stored under (a configuration fault, never a wrong password)."""


@dataclass(frozen=True)
class ProtectedKey:
    encrypted_private_key: bytes  # nonce + AES-GCM(data key, PKCS#8 DER)
    # nonce + AES-GCM(master key, nonce + AES-GCM(scrypt(password), data key))
    wrapped_data_key: bytes
    kdf_salt: bytes
    kdf_n: int = SCRYPT_N
    kdf_r: int = SCRYPT_R
    kdf_p: int = SCRYPT_P


def generate_private_key(algorithm: str = "ec-p256"):
    if algorithm == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "rsa-2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unknown key algorithm {algorithm!r}")


def seal_password_problems(password: str) -> list[str]:
    """Codes of what is wrong with a proposed seal password (empty when it is fine)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append("too_short")
    if not any(ch.isdigit() for ch in password) or not any(ch.isalpha() for ch in password):
        problems.append("needs_letters_and_digits")
    if len(set(password)) < 4:
        problems.append("too_repetitive")
    return problems


def _password_key(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(password.encode())


def _seal(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def _open(key: bytes, token: bytes, associated_data: bytes) -> bytes:
    return AESGCM(key).decrypt(token[:NONCE_BYTES], token[NONCE_BYTES:], associated_data)


# The outer layer is not bound to the row (the inner one is): key material copied to
# another row fails as a wrong password there, and only a foreign master key fails here.
def _under_master_key(password_wrapped: bytes, master_key: bytes) -> bytes:
    return crypto.encrypt(password_wrapped, purpose=MASTER_KEY_PURPOSE, master_key=master_key)


def _out_of_master_key(wrapped: bytes, master_key: bytes) -> bytes:
    try:
        return crypto.decrypt(wrapped, purpose=MASTER_KEY_PURPOSE, master_key=master_key)
    except InvalidTag as exc:
        raise MasterKeyMismatch from exc


def _wrap_data_key(data_key: bytes, password: str, context: bytes, master_key: bytes) -> tuple[bytes, bytes]:
    """(wrapped data key, scrypt salt)."""
    salt = os.urandom(16)
    password_wrapped = _seal(_password_key(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P), data_key, b"wrap:" + context)
    return _under_master_key(password_wrapped, master_key), salt


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def protect_private_key(
    private_key, password: str, *, context: bytes = b"", data_key: bytes | None = None, master_key: bytes
) -> ProtectedKey:
    """`context` (e.g. the application id) is bound into both ciphertexts, so key
    material copied to another seal's row does not decrypt. Pass `data_key` to encrypt
    further keys of the same seal under it (`encrypt_additional_key`)."""
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    data_key = data_key or new_data_key()
    wrapped, salt = _wrap_data_key(data_key, password, context, master_key)
    return ProtectedKey(
        encrypted_private_key=_seal(data_key, der, b"key:" + context), wrapped_data_key=wrapped, kdf_salt=salt
    )


def unwrap_data_key(protected: ProtectedKey, password: str, *, context: bytes = b"", master_key: bytes) -> bytes:
    """The data key; MasterKeyMismatch before any password work when the server's master
    key is not the one the key was stored under, WrongSealPassword for a wrong password."""
    password_wrapped = _out_of_master_key(protected.wrapped_data_key, master_key)
    key = _password_key(password, protected.kdf_salt, protected.kdf_n, protected.kdf_r, protected.kdf_p)
    try:
        return _open(key, password_wrapped, b"wrap:" + context)
    except InvalidTag as exc:
        raise WrongSealPassword from exc


def decrypt_private_key(protected: ProtectedKey, data_key: bytes, *, context: bytes = b""):
    der = _open(data_key, protected.encrypted_private_key, b"key:" + context)
    return serialization.load_der_private_key(der, password=None)


def encrypt_additional_key(data_key: bytes, key_bytes: bytes, *, label: bytes, context: bytes = b"") -> bytes:
    """A second key of the same seal (e.g. its SM2 key) under the same data key: one seal
    password unlocks both, and a password change re-wraps only the data key."""
    return _seal(data_key, key_bytes, label + b":" + context)


def decrypt_additional_key(data_key: bytes, token: bytes, *, label: bytes, context: bytes = b"") -> bytes:
    return _open(data_key, token, label + b":" + context)


def rewrap(
    protected: ProtectedKey,
    old_password: str,
    new_password: str,
    *,
    context: bytes = b"",
    master_key: bytes,
) -> ProtectedKey:
    data_key = unwrap_data_key(protected, old_password, context=context, master_key=master_key)
    wrapped, salt = _wrap_data_key(data_key, new_password, context, master_key)
    return ProtectedKey(encrypted_private_key=protected.encrypted_private_key, wrapped_data_key=wrapped, kdf_salt=salt)
