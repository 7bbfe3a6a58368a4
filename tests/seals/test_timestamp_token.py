"""Tokens of the platform TSA (sealcore/timestamp_token.py): their fixed parts are encoded
once per signer, and every token must still verify on its own, with an RSA or an EC key."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib

import pytest
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from sealcore.timestamp_token import TokenSigner
from seals import ca


def _der(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _tst_info(digest: bytes, serial: int) -> tsp.TSTInfo:
    return tsp.TSTInfo(
        {
            "version": "v1",
            "policy": "1.2.3.4",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest},
            "serial_number": serial,
            "gen_time": dt.datetime.now(dt.UTC),
        }
    )


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_each_token_of_one_signer_verifies_for_its_own_imprint(key_type):
    root_key, root_cert = ca.create_root_ca()
    tsa_key, tsa_cert = ca.create_timestamp_authority(root_key, root_cert)
    if key_type == "ec":  # the same certificate, extensions and all, over an EC key
        tsa_key = ec.generate_private_key(ec.SECP256R1())
        builder = ca._issued_by(root_key, root_cert, tsa_cert.subject, tsa_key.public_key(), dt.timedelta(days=30))
        for extension in tsa_cert.extensions:
            if extension.oid not in (ExtensionOID.SUBJECT_KEY_IDENTIFIER, ExtensionOID.AUTHORITY_KEY_IDENTIFIER):
                builder = builder.add_extension(extension.value, critical=extension.critical)
        tsa_cert = builder.sign(root_key, hashes.SHA256())
    signer = TokenSigner(key=tsa_key, certificate=_der(tsa_cert), chain=[_der(root_cert)])
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(_der(root_cert))])
    for number in range(2):
        digest = hashlib.sha256(f"document {number}".encode()).digest()
        token = signer.token(_tst_info(digest, number + 1), now=dt.datetime.now(dt.UTC))
        token = type(token).load(token.dump())
        status = asyncio.run(
            validate_tst_signed_data(
                token["content"], context, expected_tst_imprint=lambda _algorithm, digest=digest: digest
            )
        )
        assert status["intact"] and status["valid"], status
        assert len(token["content"]["certificates"]) == 2
        wrong = hashlib.sha256(b"another document").digest()
        status = asyncio.run(
            validate_tst_signed_data(
                token["content"], context, expected_tst_imprint=lambda _algorithm, wrong=wrong: wrong
            )
        )
        assert not status["intact"]


def test_a_token_carries_certificates_only_when_asked():
    root_key, root_cert = ca.create_root_ca()
    tsa_key, tsa_cert = ca.create_timestamp_authority(root_key, root_cert)
    signer = TokenSigner(key=tsa_key, certificate=_der(tsa_cert), chain=[_der(root_cert)])
    token = signer.token(_tst_info(b"\x01" * 32, 7), now=dt.datetime.now(dt.UTC), with_certificates=False)
    assert token["content"]["certificates"].native is None
