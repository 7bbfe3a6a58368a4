"""Symmetric protection of stored secrets under the server MASTER_KEY.

The primitives are in sealcore/crypto.py (no Django); here the key defaults to settings.
"""

from __future__ import annotations

from django.conf import settings

from sealcore import crypto as _pure
from sealcore.crypto import NONCE_BYTES

__all__ = ["NONCE_BYTES", "decrypt", "derive_key", "encrypt", "keyed_hash", "server_master_key"]


def server_master_key() -> bytes:
    return settings.MASTER_KEY.encode()


def derive_key(purpose: str, master_key: bytes | None = None) -> bytes:
    return _pure.derive_key(purpose, master_key or server_master_key())


def encrypt(plaintext: bytes, *, purpose: str, associated_data: bytes = b"", master_key: bytes | None = None) -> bytes:
    return _pure.encrypt(
        plaintext, purpose=purpose, master_key=master_key or server_master_key(), associated_data=associated_data
    )


def decrypt(token: bytes, *, purpose: str, associated_data: bytes = b"", master_key: bytes | None = None) -> bytes:
    return _pure.decrypt(
        token, purpose=purpose, master_key=master_key or server_master_key(), associated_data=associated_data
    )


def keyed_hash(value: str, *, purpose: str, master_key: bytes | None = None) -> str:
    """Equal inputs give equal hashes (for lookup); see sealcore/crypto.py."""
    return _pure.keyed_hash(value, purpose=purpose, master_key=master_key or server_master_key())
