"""The secrets a party carries: the token of a person's link and the email code. Only
hashes and ciphertexts are stored; the mail task opens them to write the mail. Imports no
envelope service, so the mail tasks and the door read it without a cycle."""

from __future__ import annotations

import secrets

from config.crypto import decrypt, encrypt, keyed_hash
from workflows.models import Party

LINK_PURPOSE = "envelope-link"
CODE_PURPOSE = "envelope-code"


def party_link_new(party: Party) -> None:
    token = secrets.token_urlsafe(32)
    party.token_hash = keyed_hash(token, purpose=LINK_PURPOSE)
    party.token_encrypted = encrypt(token.encode(), purpose=LINK_PURPOSE, associated_data=str(party.pk).encode())
    party.id_number_failures = 0  # a new link from the sender: the person may try again


def party_link_token(party: Party) -> str:
    """The person's link token, for the mail that carries it (worker side)."""
    return decrypt(bytes(party.token_encrypted), purpose=LINK_PURPOSE, associated_data=str(party.pk).encode()).decode()


def token_hash_of(token: str) -> str:
    return keyed_hash(token, purpose=LINK_PURPOSE)


def party_code_open(party: Party, sealed: str) -> str:
    return decrypt(bytes.fromhex(sealed), purpose=CODE_PURPOSE, associated_data=str(party.pk).encode()).decode()
