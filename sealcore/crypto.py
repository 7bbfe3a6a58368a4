"""Symmetric protection of stored secrets under a master key, given explicitly.

Each use gets its own key derived with HKDF (`purpose`), so a value encrypted for one
purpose cannot be replayed as another. config/crypto.py supplies the server MASTER_KEY.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


def derive_key(purpose: str, master_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(master_key)


def encrypt(plaintext: bytes, *, purpose: str, master_key: bytes, associated_data: bytes = b"") -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(derive_key(purpose, master_key)).encrypt(nonce, plaintext, associated_data)


def decrypt(token: bytes, *, purpose: str, master_key: bytes, associated_data: bytes = b"") -> bytes:
    nonce, ciphertext = bytes(token[:NONCE_BYTES]), bytes(token[NONCE_BYTES:])
    return AESGCM(derive_key(purpose, master_key)).decrypt(nonce, ciphertext, associated_data)


def keyed_hash(value: str, *, purpose: str, master_key: bytes) -> str:
    """HMAC-SHA256: equal inputs give equal hashes (for uniqueness and lookup), but
    nobody without the server key can test guesses against a stolen table."""
    return hmac.new(derive_key(purpose, master_key), value.encode(), hashlib.sha256).hexdigest()
