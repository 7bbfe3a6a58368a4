"""Dual signing on the PDF engine (no database): PAdES for Adobe plus an SES_Signature
(GB/T 38540) in the same revision."""

from __future__ import annotations

import datetime as dt
import io
import os
import re

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pypdf import PdfReader

from documents.pdf.national import FIELD_KEY, NationalSigning, national_signatures, protected_prefix
from documents.pdf.sign import Placement
from documents.pdf.verify import INVALID, VALID, verify_pdf
from sealcore import national_format, sm2
from tests.documents import test_pdf_engine
from tests.documents.pdfs import covers_whole_file, make_pdf
from tests.documents.test_pdf_engine import _sign, _validate
from tests.ofd import independent

pki = test_pdf_engine.pki  # the PAdES test PKI fixture, shared
PLACEMENT = Placement(page=0, x=380, y=90, width=119, height=119)


@pytest.fixture(scope="module")
def national_pki():
    issued = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    maker_key, maker_cert = sm2.create_maker_authority(now=issued)
    key_pair = sm2.generate_key_pair()
    certificate = sm2.issue_seal_certificate(
        maker_key=maker_key,
        maker_certificate=maker_cert,
        subject_name=sm2.name(common_name="合同专用章"),
        public_key=key_pair.public_key,
        now=issued,
    )
    seal_der = national_format.build_seal(
        maker_key=maker_key,
        maker_certificate=maker_cert.dump(),
        es_id="1100000000013",
        name="合同专用章",
        seal_type=national_format.SEAL_TYPE_ORGANISATION,
        signer_certificates=[certificate.dump()],
        valid_from=issued,
        valid_until=issued + dt.timedelta(days=365),
        picture_png=b"\x89PNG",
        width_mm=42,
        height_mm=42,
    )
    return {
        "signing": NationalSigning(key_pair=key_pair, certificate_der=certificate.dump(), seal_der=seal_der),
        "maker": maker_cert,
    }


@pytest.fixture(scope="module")
def large_seal(national_pki):
    """A seal file of about 46 KB (a true-colour picture, as older seals have) whose bytes hold
    every character a PDF literal string must escape."""
    signing = national_pki["signing"]
    seal = national_format.parse_seal(signing.seal_der)
    maker_key, maker_cert = sm2.create_maker_authority()
    picture = os.urandom(44_000) + b"()\\\r\n\r\r\n)(" * 50
    seal_der = national_format.build_seal(
        maker_key=maker_key,
        maker_certificate=maker_cert.dump(),
        es_id=seal.es_id,
        name=seal.name,
        seal_type=seal.seal_type,
        signer_certificates=[signing.certificate_der],
        valid_from=seal.valid_from,
        valid_until=seal.valid_until,
        picture_png=picture,
        width_mm=42,
        height_mm=42,
    )
    return NationalSigning(key_pair=signing.key_pair, certificate_der=signing.certificate_der, seal_der=seal_der)


def _trust(pki, national_pki) -> national_format.Trust:
    tsa = pki["timestamping"].tsa_certificate_pem
    from cryptography import x509

    tsa_der = x509.load_pem_x509_certificate(tsa.encode()).public_bytes(serialization.Encoding.DER)
    return national_format.Trust(makers=[national_pki["maker"].dump()], timestamp_authorities=[tsa_der])


def _roots(pki):
    return [asn1_x509.Certificate.load(pki["root"].public_bytes(serialization.Encoding.DER))]


def _verify_national(pki, national_pki, signed: bytes):
    (embedded,) = national_signatures(signed)
    return national_format.verify_signature(
        embedded.der, protected_data=protected_prefix(signed), trust=_trust(pki, national_pki)
    )


def test_dual_signed_pdf_has_a_valid_pades_and_a_valid_ses_signature(pki, national_pki):
    original = make_pdf()
    signed = _sign(pki, original, PLACEMENT, national=national_pki["signing"])
    status = _validate(pki, signed)
    assert status.bottom_line and covers_whole_file(status)
    assert verify_pdf(signed, trust_roots=_roots(pki)).verdict == VALID
    verdict = _verify_national(pki, national_pki, signed)
    assert verdict.verdict == national_format.VALID, verdict.steps
    assert verdict.signature.property_info == f"/ByteRange [0 {len(original)}]"
    assert {step.name: step.result for step in verdict.steps}["timestamp"] == national_format.OK
    assert signed.startswith(original)


def test_the_ses_signature_is_inside_the_pades_signed_revision(pki, national_pki):
    signed = _sign(pki, make_pdf(), PLACEMENT, national=national_pki["signing"])
    (embedded,) = national_signatures(signed)
    assert embedded.field_name == "Seal1"
    position = signed.find(FIELD_KEY.encode())
    assert position > 0
    # The whole file is covered except the /Contents hole; the SES stream is not in the hole.
    byte_range = _byte_range(signed)
    assert byte_range[0] == 0 and byte_range[2] + byte_range[3] == len(signed)
    assert not byte_range[1] <= position < byte_range[2]


def _byte_range(signed: bytes) -> list[int]:
    match = re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", signed)[-1]
    return [int(value) for value in match]


def test_one_changed_byte_in_the_protected_range_fails_both(pki, national_pki):
    original = make_pdf()
    signed = bytearray(_sign(pki, original, PLACEMENT, national=national_pki["signing"]))
    position = bytes(signed).index(b"ReportLab")  # the producer, in the first revision
    assert position < len(original)
    signed[position] = ord("X")
    tampered = bytes(signed)
    assert verify_pdf(tampered, trust_roots=_roots(pki)).verdict == INVALID
    verdict = _verify_national(pki, national_pki, tampered)
    assert (verdict.verdict, verdict.failed_step) == (national_format.INVALID, "document_hash")


def test_a_second_dual_signature_keeps_the_first_one_valid(pki, national_pki):
    once = _sign(pki, make_pdf(), PLACEMENT, national=national_pki["signing"])
    twice = _sign(
        pki,
        once,
        Placement(page=0, x=100, y=90, width=119, height=119),
        field_name="Seal2",
        national=national_pki["signing"],
    )
    report = verify_pdf(twice, trust_roots=_roots(pki))
    assert report.verdict == VALID, [(s.field_name, s.reasons, s.modification_level) for s in report.signatures]
    for embedded in national_signatures(twice):
        verdict = national_format.verify_signature(
            embedded.der, protected_data=protected_prefix(twice), trust=_trust(pki, national_pki)
        )
        assert verdict.verdict == national_format.VALID, (embedded.field_name, verdict.steps)


def test_without_the_option_nothing_national_is_added(pki):
    signed = _sign(pki, make_pdf(), PLACEMENT)
    assert national_signatures(signed) == [] and FIELD_KEY.encode() not in signed


def test_property_naming_more_than_the_file_is_a_hash_failure():
    lookup = protected_prefix(b"12345")
    assert lookup("/ByteRange [0 5]") == b"12345"
    assert lookup("/ByteRange [0 6]") is None
    assert lookup("whole file") is None
    assert national_signatures(b"not a pdf") == []


def test_dual_signing_adds_the_seal_file_once(pki, large_seal):
    """The SES_Signature carries the seal file (GB/T 38540 puts it inside the signed data);
    nothing else does, and it is written byte for byte, not as hex: the file grows by the seal
    file plus the signature's few kilobytes, not by twice the seal file."""
    original = make_pdf()
    pades = _sign(pki, original, PLACEMENT)
    dual = _sign(pki, original, PLACEMENT, national=large_seal)
    assert len(large_seal.seal_der) > 44_000
    assert len(dual) - len(pades) <= len(large_seal.seal_der) + 10_000, (len(pades), len(dual))
    # One copy of the seal file, unencoded: a stretch of it with nothing to escape occurs once.
    start = next(i for i in range(1000, 40_000) if not re.search(rb"[()\\\r]", large_seal.seal_der[i : i + 64]))
    assert dual.count(large_seal.seal_der[start : start + 64]) == 1


def test_the_ses_signature_read_by_an_independent_parser_verifies_with_gmssl(pki, large_seal):
    """pypdf reads the string back (escapes and all), the pure-Python gmssl checks both SM2
    signatures and the SM3 of the protected bytes, and the product's verifier agrees."""
    signed = _sign(pki, make_pdf(), PLACEMENT, national=large_seal)
    reader = PdfReader(io.BytesIO(signed))
    (field,) = [f.get_object() for f in reader.trailer["/Root"]["/AcroForm"]["/Fields"]]
    value = field[FIELD_KEY]
    der = value.original_bytes if hasattr(value, "original_bytes") else bytes(value)
    assert b"\r" in der and b"(" in der and b"\\" in der  # the escapes were exercised
    (embedded,) = national_signatures(signed)
    assert embedded.der == der
    property_info = national_format.parse_signature(der).property_info
    length = int(re.fullmatch(r"/ByteRange \[0 (\d+)\]", property_info).group(1))
    checked = independent._check_seal_signature(der, signed[:length])
    assert checked == {
        "version_4": True,
        "data_hash_is_sm3_of_signature_xml": True,
        "signer_signature": True,
        "maker_signature": True,
    }
    assert verify_pdf(signed, trust_roots=_roots(pki)).verdict == VALID
