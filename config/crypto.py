"""Symmetric protection of stored secrets under the server MASTER_KEY.

Each use gets its own key derived with HKDF (`purpose`), so a value encrypted for one
purpose cannot be replayed as another. Plain functions; the key defaults to settings.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


def _master_key() -> bytes:
    from django.conf import settings

    return settings.MASTER_KEY.encode()


def derive_key(purpose: str, master_key: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        master_key or _master_key()
    )


def encrypt(plaintext: bytes, *, purpose: str, associated_data: bytes = b"", master_key: bytes | None = None) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(derive_key(purpose, master_key)).encrypt(nonce, plaintext, associated_data)


def decrypt(token: bytes, *, purpose: str, associated_data: bytes = b"", master_key: bytes | None = None) -> bytes:
    nonce, ciphertext = bytes(token[:NONCE_BYTES]), bytes(token[NONCE_BYTES:])
    return AESGCM(derive_key(purpose, master_key)).decrypt(nonce, ciphertext, associated_data)


def keyed_hash(value: str, *, purpose: str, master_key: bytes | None = None) -> str:
    """HMAC-SHA256: equal inputs give equal hashes (for uniqueness and lookup), but
    nobody without the server key can test guesses against a stolen table."""
    return hmac.new(derive_key(purpose, master_key), value.encode(), hashlib.sha256).hexdigest()
