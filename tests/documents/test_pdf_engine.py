"""The PDF engine alone: inspect, stamp and sign, then validate with pyHanko and pypdf."""

from __future__ import annotations

import io

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from documents.pdf.inspect import InvalidPdf, inspect_pdf
from documents.pdf.sign import Placement, SigningKey, Timestamping, stamp_and_sign
from seals import ca, keys
from seals.image import face_for, seal_pdf
from tests.documents.pdfs import encrypted_pdf, make_pdf, with_page_changes


def _pem(certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def pki():
    root_key, root_cert = ca.create_root_ca()
    seal_ca_key, seal_ca_cert = ca.create_subordinate_ca(root_key, root_cert)
    tsa_key, tsa_cert = ca.create_timestamp_authority(root_key, root_cert)
    private_key = keys.generate_private_key()
    subject = ca.SealSubject("演示科技有限公司", "91110000802100433B", "1100000000013", "合同专用章")
    cert = ca.issue_seal_certificate(
        seal_ca_key, seal_ca_cert, ca.build_csr(private_key, subject), subject, crl_url="http://localhost/crl"
    )
    return {
        "root": root_cert,
        "seal_ca_key": seal_ca_key,
        "seal_ca_cert": seal_ca_cert,
        "signing_key": SigningKey(private_key, _pem(cert), [_pem(seal_ca_cert), _pem(root_cert)]),
        "timestamping": Timestamping(tsa_key, _pem(tsa_cert), _pem(root_cert)),
        "appearance": seal_pdf(
            face_for(seal_type="contract", company_name="演示科技有限公司", seal_name="", code="1100000000013", uscc="")
        ),
    }


def _sign(pki, data, placement, **kwargs):
    return stamp_and_sign(
        data,
        placement=placement,
        appearance_pdf=pki["appearance"],
        signing_key=pki["signing_key"],
        timestamping=pki["timestamping"],
        field_name=kwargs.pop("field_name", "Seal1"),
        **kwargs,
    )


def _validate(pki, signed: bytes, index: int = -1):
    reader = PdfFileReader(io.BytesIO(signed))
    signature = reader.embedded_signatures[index]
    root = asn1_x509.Certificate.load(pki["root"].public_bytes(serialization.Encoding.DER))
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[root], allow_fetching=False))


def _assert_seal_visible(signed: bytes, page: int, rect):
    """Rendered, the page shows red ink inside the placement and none outside it."""
    from PIL import Image

    from documents.pdf.render import render_page_png

    image = Image.open(io.BytesIO(render_page_png(signed, page, width_px=595))).convert("RGB")  # 1 px per point
    height = image.height

    def red(x, y):
        r, g, b = image.getpixel((int(x), int(height - y)))
        return r > 180 and g < 100 and b < 100

    left, bottom, right, top = rect
    inside = [red(x, y) for x in range(int(left), int(right), 3) for y in range(int(bottom), int(top), 3)]
    assert sum(inside) > 50
    assert not any(red(x, y) for x in range(0, 595, 5) for y in (int(top) + 10, int(bottom) - 10))


def _widget_rect(signed: bytes, page: int):
    annotations = PdfReader(io.BytesIO(signed)).pages[page]["/Annots"]
    widgets = [a.get_object() for a in annotations if a.get_object().get("/FT") == "/Sig"]
    assert len(widgets) == 1
    return [round(float(v), 1) for v in widgets[0]["/Rect"]]


@pytest.mark.parametrize("pages", [1, 100, 1000])
def test_signed_pdf_validates_with_timestamp_and_whole_file_coverage(pki, pages):
    data = make_pdf(pages)
    signed = _sign(pki, data, Placement(page=pages - 1, x=380, y=80, width=119.06, height=119.06), certify=True)
    status = _validate(pki, signed)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.timestamp_validity is not None and status.timestamp_validity.intact
    assert _widget_rect(signed, pages - 1) == [380.0, 80.0, 499.1, 199.1]
    _assert_seal_visible(signed, pages - 1, (380, 80, 499.1, 199.1))
    assert signed.startswith(data)  # an incremental update: the original bytes are untouched
    assert inspect_pdf(signed).signatures[0].field_name == "Seal1"


def test_second_signature_keeps_the_first_valid(pki):
    first = _sign(pki, make_pdf(2), Placement(0, 50, 50, 100, 100))
    second = _sign(pki, first, Placement(1, 300, 50, 100, 100), field_name="Seal2")
    assert _validate(pki, second, 0).intact and _validate(pki, second, 0).valid
    assert _validate(pki, second, 0).modification_level.name == "FORM_FILLING"
    assert _validate(pki, second, 1).coverage == SignatureCoverageLevel.ENTIRE_FILE


def test_a_new_visible_seal_on_a_certified_file_is_refused_not_voiding_the_certification(pki):
    """pyHanko counts a new visible signature field after a certification as a change the
    certification does not allow: the second seal is refused, permanently."""
    first = _sign(pki, make_pdf(2), Placement(0, 50, 50, 100, 100), certify=True)
    with pytest.raises(InvalidPdf) as refused:
        _sign(pki, first, Placement(1, 300, 50, 100, 100), field_name="Seal2")
    assert refused.value.code == "certified_fields_only"


@pytest.mark.parametrize(("rotate", "crop"), [(90, None), (0, (30.0, 40.0)), (270, (15.0, 25.0))])
def test_rotated_and_cropped_pages(pki, rotate, crop):
    data = with_page_changes(make_pdf(1), rotate=rotate, crop_offset=crop)
    info = inspect_pdf(data)
    box = info.pages[0]
    assert box.rotation == rotate
    if crop:
        assert (box.left, box.bottom) == crop
    placement = Placement(0, box.left + 10, box.bottom + 10, 100, 100)
    signed = _sign(pki, data, placement)
    assert _validate(pki, signed).valid
    assert _widget_rect(signed, 0)[:2] == [round(box.left + 10, 1), round(box.bottom + 10, 1)]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a not a pdf", "not_pdf"),
        (encrypted_pdf(), "encrypted"),
        (make_pdf(1)[:300], "malformed"),
        (b"%PDF-1.4\n%%EOF", "malformed"),
    ],
)
def test_bad_pdfs_are_refused_with_a_reason(data, code):
    with pytest.raises(InvalidPdf) as error:
        inspect_pdf(data)
    assert error.value.code == code


def test_page_limit():
    with pytest.raises(InvalidPdf) as error:
        inspect_pdf(make_pdf(3), max_pages=2)
    assert error.value.code == "too_many_pages"


def test_cross_page_seal_is_split_over_the_right_edges_and_signed(pki):
    from PIL import Image

    from documents.pdf.render import render_page_png

    data = make_pdf(4)
    size = 42 / 25.4 * 72
    signed = _sign(pki, data, Placement(page=0, x=0, y=300, width=size, height=size, kind="cross_page"), certify=True)
    status = _validate(pki, signed)
    assert status.intact and status.valid and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    strips = []
    for page in range(4):
        image = Image.open(io.BytesIO(render_page_png(signed, page, width_px=595))).convert("RGB")
        height = image.height

        def red(x, y, image=image, height=height):
            r, g, b = image.getpixel((int(x), int(height - y)))
            return r > 180 and g < 100 and b < 100

        strip = [red(x, y) for x in range(595 - int(size / 4), 594) for y in range(300, 300 + int(size))]
        assert sum(strip) > 20, page  # this page carries its slice of the seal
        assert not any(red(x, y) for x in range(0, 595 - int(size / 4) - 2, 4) for y in range(300, 300 + int(size), 4))
        strips.append(tuple(strip))
    assert len(set(strips)) == 4  # four different slices, not one repeated


def _trust(pki):
    return [asn1_x509.Certificate.load(pki["root"].public_bytes(serialization.Encoding.DER))]


def test_verify_reports_a_sealed_file_as_valid(pki):
    from documents.pdf.verify import VALID, verify_pdf

    signed = _sign(pki, make_pdf(2), Placement(1, 380, 80, 119, 119), certify=True)
    report = verify_pdf(signed, trust_roots=_trust(pki))
    assert report.verdict == VALID and report.reasons == []
    [signature] = report.signatures
    assert signature.organisation == "演示科技有限公司" and signature.uscc == "91110000802100433B"
    assert signature.seal_code == "1100000000013"
    assert signature.timestamp_time is not None and signature.covers_whole_file
    from PIL import Image

    seal_image = Image.open(io.BytesIO(signature.appearance_png)).convert("RGB")
    assert abs(seal_image.width - 238) <= 2  # the 119-point widget at 2× scale
    reds = [
        p for _c, p in seal_image.getcolors(maxcolors=seal_image.width * seal_image.height) if p[0] > 180 and p[1] < 100
    ]
    assert reds  # the red seal, not an empty box


@pytest.mark.parametrize(
    ("tamper", "verdict", "reason"),
    [
        (lambda signed: signed + b"\n% appended after signing\n", "invalid", "bytes_after_signature"),
        (lambda signed: signed.replace(b"ReportLab PDF", b"ReportLub PDF", 1), "invalid", "content_changed"),
    ],
)
def test_verify_catches_tampering(pki, tamper, verdict, reason):
    from documents.pdf.verify import verify_pdf

    signed = _sign(pki, make_pdf(1), Placement(0, 380, 80, 119, 119))
    report = verify_pdf(tamper(signed), trust_roots=_trust(pki))
    assert report.verdict == verdict
    assert reason in report.signatures[-1].reasons


def test_verify_flags_an_incremental_update_after_signing(pki):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from documents.pdf.verify import INVALID, verify_pdf

    signed = _sign(pki, make_pdf(1), Placement(0, 380, 80, 119, 119))
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 500 Td (PAID) Tj ET"))
    writer.add_stream_to_page(0, stream)
    output = io.BytesIO()
    writer.write(output)
    report = verify_pdf(output.getvalue(), trust_roots=_trust(pki))
    assert report.verdict == INVALID
    assert "disallowed_changes_after_signature" in report.signatures[0].reasons


def test_verify_never_crashes_on_bad_input(pki):
    from documents.pdf.verify import CANNOT_VERIFY, NO_SIGNATURES, verify_pdf

    assert verify_pdf(b"GIF89a", trust_roots=[]).verdict == CANNOT_VERIFY
    assert verify_pdf(make_pdf(1)[:500], trust_roots=[]).verdict in (CANNOT_VERIFY, NO_SIGNATURES)
    assert verify_pdf(make_pdf(1), trust_roots=[]).verdict == NO_SIGNATURES
    signed = _sign(pki, make_pdf(1), Placement(0, 380, 80, 119, 119))
    untrusted = verify_pdf(signed, trust_roots=[])
    assert untrusted.verdict == CANNOT_VERIFY and "untrusted_signer" in untrusted.signatures[0].reasons


def test_pages_render_from_many_threads_at_once():
    """A threaded server renders a document's previews in parallel: pdfium is not
    thread-safe, so without the shared lock this crashed the whole process."""
    from concurrent.futures import ThreadPoolExecutor

    from documents.pdf.keyword import find_text
    from documents.pdf.render import render_page_png, render_pages_png
    from seals.image import face_for, seal_png

    data = make_pdf(3)
    face = face_for(seal_type="contract", company_name="Alpha Ltd", seal_name="Alpha Ltd", code="", uscc="")
    jobs = [
        *[lambda page=page: render_page_png(data, page % 3, width_px=300) for page in range(24)],
        *[lambda: [png for _index, images in render_pages_png(data, widths=(120,)) for png in images.values()]] * 4,
        *[lambda: find_text(data, "Seal here")] * 4,
        *[lambda: seal_png(face, dpi=72)] * 4,
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda job: job(), jobs))
    assert all(png.startswith(b"\x89PNG") for png in results[:24])
    assert [len(pages) for pages in results[24:28]] == [3] * 4
    assert [len(hits) for hits in results[28:32]] == [3] * 4
