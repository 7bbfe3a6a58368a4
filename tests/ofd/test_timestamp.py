"""An OFD seal signature with an RFC 3161 timestamp over its signature value (GB/T 38540
timeStamp): checked, and its time used as the signing time."""

from __future__ import annotations

import asyncio
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from documents.pdf.sign import _timestamper
from sealcore import national_format as nf
from sealcore.ofd import seal as ofd_seal
from sealcore.ofd import verify as ofd_verify
from tests.documents import test_pdf_engine
from tests.ofd import writer
from tests.ofd.conftest import NOW

pki = test_pdf_engine.pki  # the PAdES test PKI with its in-process TSA


def _stamper(pki):
    timestamper = _timestamper(pki["timestamping"])

    def stamp(value: bytes) -> bytes:
        return asyncio.run(timestamper.async_timestamp(hashlib.sha256(value).digest(), "sha256")).dump()

    return stamp


def _tsa_der(pki) -> bytes:
    pem = pki["timestamping"].tsa_certificate_pem.encode()
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def _sealed(pki, party) -> bytes:
    return ofd_seal.seal_ofd(
        writer.build_ofd(),
        sign=party.sign,
        signer_certificate=party.certificate,
        signed_at=NOW,
        seal_der=party.seal,
        timestamp=_stamper(pki),
    )


def test_a_timestamped_ofd_seal_is_valid_with_a_trusted_tsa_and_not_without(pki, alpha, trust):
    sealed = _sealed(pki, alpha)
    trusted = nf.Trust(makers=trust.makers, timestamp_authorities=[_tsa_der(pki)])
    report = ofd_verify.verify_ofd(sealed, trust=trusted)
    assert report.verdict == ofd_verify.VALID
    steps = {step.name: step.result for step in report.signatures[0].steps}
    assert steps["timestamp"] == nf.OK
    report = ofd_verify.verify_ofd(sealed, trust=trust)
    assert report.verdict == ofd_verify.INVALID
    assert report.signatures[0].reasons == ["seal_signature_timestamp"]


def test_a_timestamp_taken_from_another_signature_is_invalid(pki, alpha, beta, trust):
    first, second = _sealed(pki, alpha), _sealed(pki, beta)
    name = "Doc_0/Signs/Sign_0/SignedValue.dat"
    token = nf.parse_signature(writer.read_entries(second)[name]).timestamp
    value = nf.SESSignatureV4.load(writer.read_entries(first)[name])
    swapped = nf.SESSignatureV4(
        {
            "to_sign": value["to_sign"].copy(),
            "cert": value["cert"].copy(),
            "signature_alg_id": value["signature_alg_id"].copy(),
            "signature": value["signature"].copy(),
            "time_stamp": token,
        }
    ).dump()
    trusted = nf.Trust(makers=trust.makers, timestamp_authorities=[_tsa_der(pki)])
    report = ofd_verify.verify_ofd(writer.replace_entry(first, name, swapped), trust=trusted)
    assert report.verdict == ofd_verify.INVALID and report.signatures[0].reasons == ["seal_signature_timestamp"]
