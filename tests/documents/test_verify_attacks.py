"""Attack files built here, each must be INVALID with a reason naming the change; Sealhub's
own sealed and multi-party files stay VALID; random damage never yields VALID or a crash."""

from __future__ import annotations

import io
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from documents.pdf.limits import LimitExceeded, run_limited
from documents.pdf.sign import Placement
from documents.pdf.verify import CANNOT_VERIFY, INVALID, NO_SIGNATURES, VALID, verify_pdf
from tests.documents.pdfs import make_pdf
from tests.documents.test_pdf_engine import _sign, _trust, pki  # noqa: F401  (pki is a fixture)


def _incremental(signed: bytes, change) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    change(writer)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _overlay_annotation(writer):
    page_ref = writer.find_page_for_modification(0)[1]
    page = page_ref.get_object()
    annotation = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/Square"),
                generic.NameObject("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (50, 700, 550, 800)]),
                generic.NameObject("/IC"): generic.ArrayObject([generic.FloatObject(1)] * 3),
            }
        )
    )
    annotations = page.get("/Annots", generic.ArrayObject())
    annotations.append(annotation)
    page[generic.NameObject("/Annots")] = annotations
    writer.update_container(page)


def _page_content(writer):
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 500 Td (PAID) Tj ET"))
    writer.add_stream_to_page(0, stream)


@pytest.fixture
def signed(pki):  # noqa: F811
    return _sign(pki, make_pdf(1), Placement(0, 380, 80, 119, 119), certify=True)


@pytest.mark.parametrize(
    ("attack", "reason"),
    [
        (lambda data: data + b"\n% bytes after %%EOF\n", "bytes_after_signature"),
        (lambda data: _incremental(data, _page_content), "disallowed_changes_after_signature"),
        (lambda data: _incremental(data, _overlay_annotation), "disallowed_changes_after_signature"),
    ],
)
def test_attacks_are_invalid_with_a_reason(pki, signed, attack, reason):  # noqa: F811
    report = verify_pdf(attack(signed), trust_roots=_trust(pki))
    assert report.verdict == INVALID
    assert reason in report.signatures[0].reasons


def test_byte_range_that_skips_data_is_invalid(pki, signed):  # noqa: F811
    match = re.search(rb"/ByteRange \[ *0 +(\d+) +(\d+) +(\d+) *\]", signed)
    first = int(match.group(1))
    shorter = str(first - 10).encode().ljust(len(match.group(1)))
    tampered = signed[: match.start(1)] + shorter + signed[match.end(1) :]
    report = verify_pdf(tampered, trust_roots=_trust(pki))
    assert report.verdict in (INVALID, CANNOT_VERIFY) and report.verdict != VALID
    assert report.signatures and report.signatures[0].reasons


def _form_pdf() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.drawString(72, 760, "Amount:")
    pdf.acroForm.textfield(name="amount", value="100", x=140, y=750, width=120, height=20)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_form_field_value_replaced_after_signing_is_invalid(pki):  # noqa: F811
    signed = _sign(pki, _form_pdf(), Placement(0, 380, 80, 119, 119), certify=True)
    assert verify_pdf(signed, trust_roots=_trust(pki)).verdict == VALID

    def replace_value(writer):
        for field_ref in writer.root["/AcroForm"]["/Fields"]:
            field = field_ref.get_object()
            if field.get("/T") == "amount":
                field[generic.NameObject("/V")] = generic.TextStringObject("1000000")
                writer.update_container(field)

    report = verify_pdf(_incremental(signed, replace_value), trust_roots=_trust(pki))
    assert report.verdict == INVALID
    assert "form_field_changed" in report.signatures[0].reasons
    assert "amount" in report.signatures[0].changed_fields


def test_multi_party_document_stays_valid(pki):  # noqa: F811
    first = _sign(pki, make_pdf(2), Placement(0, 50, 50, 100, 100))
    second = _sign(pki, first, Placement(1, 300, 50, 100, 100), field_name="Seal2")
    report = verify_pdf(second, trust_roots=_trust(pki))
    assert report.verdict == VALID and [s.verdict for s in report.signatures] == [VALID, VALID]


def _signature_value_ranges(data: bytes) -> list[range]:
    """The /Contents hex strings, which a signature's byte range leaves out by design."""
    ranges = []
    for match in re.finditer(rb"/ByteRange \[ *(\d+) +(\d+) +(\d+) +(\d+) *\]", data):
        start, length, second = (int(match.group(i)) for i in (1, 2, 3))
        ranges.append(range(start + length, second))
    return ranges


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_damage_is_never_valid_and_never_crashes(pki, signed, data):  # noqa: F811
    truncate = data.draw(st.booleans())
    cut = data.draw(st.integers(min_value=0, max_value=len(signed) - 1)) if truncate else len(signed)
    flips = data.draw(
        st.lists(st.integers(min_value=0, max_value=len(signed) - 1), min_size=1, max_size=4, unique=True)
    )
    damaged = bytearray(signed[:cut])
    for position in flips:
        if position < len(damaged):
            damaged[position] ^= 0x5A
    report = verify_pdf(bytes(damaged), trust_roots=_trust(pki))
    assert report.verdict in (VALID, INVALID, CANNOT_VERIFY, NO_SIGNATURES)
    if report.verdict == VALID:
        # Only possible when nothing signed was touched: the damage is all in the padding
        # of the signature value, which is outside the signed bytes.
        gaps = _signature_value_ranges(signed)
        assert not truncate
        assert all(any(position in gap for gap in gaps) for position in flips)


def test_work_on_untrusted_input_is_bounded():
    # The child imports what it runs without Django, so the targets here are the standard library's.
    assert run_limited(len, b"abc", seconds=5, memory_mb=4096) == 3
    with pytest.raises(LimitExceeded) as slow:
        run_limited(time.sleep, 10, seconds=0.5, memory_mb=4096)
    assert slow.value.what == "time"
    with pytest.raises(LimitExceeded) as greedy:
        run_limited(bytearray, 8000 * 1024 * 1024, seconds=20, memory_mb=2048)
    assert greedy.value.what == "memory"


def test_a_certified_document_flags_a_signature_field_added_later(pki, monkeypatch):  # noqa: F811
    first = _sign(pki, make_pdf(2), Placement(0, 50, 50, 100, 100), certify=True)
    # Sealhub refuses to do this (test_pdf_engine.py); another tool without that check would.
    monkeypatch.setattr("documents.pdf.sign.assert_signatures_kept", lambda before, after: None)
    second = _sign(pki, first, Placement(1, 300, 50, 100, 100), field_name="Seal2")
    report = verify_pdf(second, trust_roots=_trust(pki))
    assert report.signatures[0].verdict == INVALID
    assert "disallowed_changes_after_signature" in report.signatures[0].reasons


def test_signature_made_after_revocation_is_invalid(pki):  # noqa: F811
    import datetime as dt

    from cryptography import x509 as crypto_x509
    from cryptography.hazmat.primitives import serialization as crypto_serialization

    from seals import ca

    signed = _sign(pki, make_pdf(1), Placement(0, 380, 80, 119, 119))
    seal_certificate = crypto_x509.load_pem_x509_certificate(pki["signing_key"].certificate_pem.encode())
    revoked_before = ca.RevokedEntry(
        seal_certificate.serial_number,
        dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
        crypto_x509.ReasonFlags.key_compromise,
    )
    crl = ca.build_crl(pki["seal_ca_key"], pki["seal_ca_cert"], [revoked_before])
    report = verify_pdf(signed, trust_roots=_trust(pki), crls=[crl.public_bytes(crypto_serialization.Encoding.DER)])
    assert report.verdict == INVALID
    assert "certificate_revoked" in report.signatures[0].reasons
