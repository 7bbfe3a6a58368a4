"""Dual signing on the PDF engine (no database): PAdES for Adobe plus an SES_Signature
(GB/T 38540) in the same revision."""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from documents.pdf.national import FIELD_KEY, NationalSigning, national_signatures, protected_prefix
from documents.pdf.sign import Placement
from documents.pdf.verify import INVALID, VALID, verify_pdf
from sealcore import national_format, sm2
from tests.documents import test_pdf_engine
from tests.documents.pdfs import covers_whole_file, make_pdf
from tests.documents.test_pdf_engine import _sign, _validate

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
    import re

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
