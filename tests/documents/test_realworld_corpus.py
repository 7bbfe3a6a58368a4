"""The engine over a corpus of real-world kinds of PDF (tests/documents/realworld_corpus.py):
each file is refused at upload, refused at placement, or sealed; every sealed output is
validated independently with pyHanko, the seal is found by rendering exactly where it was
placed, and form fields look the same as before."""

from __future__ import annotations

import io

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from documents.pdf import remote
from documents.pdf.inspect import InvalidPdf, PreparedField, inspect_pdf, is_permanent, seal_size_on_page
from documents.pdf.sign import Placement, stamp_and_sign
from documents.pdf.structure import prepared_fields
from documents.pdf.verify import VALID, verify_pdf
from tests.documents.realworld_checks import (
    MM,
    assert_independently_valid,
    displayed_fraction_to_user_space,
    field_area_difference,
    seal_rectangle,
)
from tests.documents.realworld_corpus import (
    author,
    certified_with_prepared_field,
    corpus,
    reportlab_pdf,
    widget_rects,
)
from tests.documents.test_pdf_engine import pki  # noqa: F401  (fixture)

CASES = {case.name: case for case in corpus()}


def _sign(pki, data, placement, *, prepared_field: str = ""):  # noqa: F811
    return stamp_and_sign(
        data,
        placement=placement,
        appearance_pdf=pki["appearance"],
        signing_key=pki["signing_key"],
        timestamping=pki["timestamping"],
        field_name=prepared_field or "SealhubSeal",
        existing_field=bool(prepared_field),
    )


def placement_in_field(field, *, size_mm: float = 40) -> Placement:
    """A seal centred in a prepared field, made smaller if the field is (as placement does)."""
    width, height = field.right - field.left, field.top - field.bottom
    side = min(size_mm * MM, width, height)
    return Placement(field.page, field.left + (width - side) / 2, field.bottom + (height - side) / 2, side, side)


def _prepared(data, name):
    reader = PdfFileReader(io.BytesIO(data))
    free, _holders = prepared_fields(reader)
    for field in free:
        if field.name == name:
            return field
    rects = widget_rects(data)
    page, (left, bottom, right, top) = rects[name]
    return PreparedField(name, page, left, bottom, right, top)


def _roots(pki):  # noqa: F811
    ours = asn1_x509.Certificate.load(pki["root"].public_bytes(serialization.Encoding.DER))
    return [ours, author().root_asn1]


def placement_at(box, *, u: float = 0.55, v: float = 0.6, size_mm: float = 40) -> Placement:
    """A seal whose top-left corner is at (u, v) of the page as shown (fractions)."""
    width, height = seal_size_on_page(size_mm, size_mm, box)
    x, y = displayed_fraction_to_user_space(box, u, v)
    # the displayed top-left corner is a different corner of the user-space rectangle per rotation
    x -= {0: 0, 90: width, 180: width, 270: 0}[box.rotation]
    y -= {0: height, 90: height, 180: 0, 270: 0}[box.rotation]
    return Placement(0, x, y, width, height)


# Every class of file the real-world issue lists, and the outcome each needs at least once.
CLASSES = {
    **{
        f"owner password without {bit}": (f"owner-password-without-{bit}", expect)
        for bit, expect in [
            ("print", "seal"),
            ("modify", "refuse_upload"),
            ("copy", "seal"),
            ("annotate", "refuse_upload"),
            ("fill-forms", "seal"),
            ("accessibility", "seal"),
            ("assemble", "seal"),
            ("print-high-quality", "seal"),
        ]
    },
    "user password": ("user-password", "refuse_upload"),
    "broken XMP": ("xmp-undefined-prefix", "seal"),
    "damaged cross-reference data": ("xref-entries-swapped", "seal"),
    "inverted box": ("mediabox-inverted", "seal"),
    "offset box": ("cropbox-offset", "seal"),
    "rotated 90": ("rotate-90", "seal"),
    "rotated 180": ("rotate-180", "seal"),
    "rotated 270": ("rotate-270", "seal"),
    "certified P1": ("certified-p1", "refuse_placement"),
    "certified P2 without a free field": ("certified-p2", "refuse_placement"),
    "certified P2 with a prepared field": ("certified-p2-prepared-field", "seal"),
    "certified P3 with a prepared field": ("certified-p3-prepared-field", "seal"),
    "certified P2 form with a prepared field": ("certified-p2-form-need-appearances-prepared-field", "seal"),
    "FieldMDP lock": ("fieldmdp-lock-some", "refuse_placement"),
    "FieldMDP lock on the prepared field": ("certified-p2-prepared-field-locked", "refuse_placement"),
    "form with NeedAppearances": ("form-need-appearances", "seal"),
    "already signed": ("approval-signed-twice", "seal"),
    "LTA": ("lta", "seal"),
}


def test_the_corpus_is_large_and_covers_every_class():
    assert len(CASES) >= 40
    assert len([case for case in CASES.values() if case.expect == "seal"]) >= 40
    for label, (name, expect) in CLASSES.items():
        assert CASES[name].expect == expect, label


@pytest.mark.parametrize("name", [name for name, case in CASES.items() if case.expect == "refuse_upload"])
def test_refused_at_upload_and_by_the_worker_for_the_same_reason(pki, name):  # noqa: F811
    case = CASES[name]
    with pytest.raises(InvalidPdf) as at_upload:
        inspect_pdf(case.data)
    assert at_upload.value.code == case.code
    with pytest.raises(InvalidPdf) as in_worker:
        _sign(pki, case.data, Placement(0, 100, 100, 100, 100))
    assert in_worker.value.code == case.code and is_permanent(in_worker.value)


@pytest.mark.parametrize("name", [name for name, case in CASES.items() if case.expect == "refuse_placement"])
def test_author_forbids_changes_refused_before_and_in_the_worker(pki, name):  # noqa: F811
    case = CASES[name]
    info = inspect_pdf(case.data)
    assert info.sealing_refusal == case.code
    assert info.prepared_fields is None
    if case.prepared_field:  # the worker, told to fill the author's field anyway, refuses too
        placement = placement_in_field(_prepared(case.data, case.prepared_field))
    else:
        placement = placement_at(info.pages[0])
    with pytest.raises(InvalidPdf) as in_worker:
        _sign(pki, case.data, placement, prepared_field=case.prepared_field)
    assert in_worker.value.code == case.code and is_permanent(in_worker.value)


@pytest.mark.parametrize("name", [name for name, case in CASES.items() if case.expect == "seal"])
def test_sealed_valid_where_placed_and_forms_keep_their_look(pki, name):  # noqa: F811
    case = CASES[name]
    info = inspect_pdf(case.data)
    assert info.sealing_refusal == ""
    assert (info.repaired is not None) == ("repair" in case.tags)
    data = info.repaired or case.data
    box = info.pages[0]
    assert box.left < box.right and box.bottom < box.top
    if case.prepared_field:
        assert [field.name for field in info.prepared_fields] == [case.prepared_field]
        placement = placement_in_field(info.prepared_fields[0])
    else:
        assert info.prepared_fields is None
        placement = placement_at(box)
    signed = _sign(pki, data, placement, prepared_field=case.prepared_field)

    statuses = assert_independently_valid(signed, trust_roots=_roots(pki))
    assert len(statuses) == case.signatures_before + 1
    if case.certified:  # the certification holds: only form filling and signing happened after it
        assert statuses[0].docmdp_ok is True
        assert statuses[0].modification_level.name in ("LTA_UPDATES", "FORM_FILLING")
        assert verify_pdf(signed, trust_roots=_roots(pki), appearances=False).verdict == VALID

    left, bottom, right, top = seal_rectangle(data, signed)
    tolerance = 0.5 * MM / box.user_unit
    expected = (placement.x, placement.y, placement.x + placement.width, placement.y + placement.height)
    assert max(abs(a - b) for a, b in zip((left, bottom, right, top), expected, strict=True)) <= tolerance

    rects = widget_rects(data)
    for field_name in case.form_fields:
        _page, rect = rects[field_name]
        changed, ink = field_area_difference(data, signed, rect)
        assert changed <= 0.005, f"{field_name} looks different after sealing ({changed:.1%})"
        if field_name in ("applicant", "city"):
            assert ink > 20, f"{field_name} shows no value even before sealing"


def test_cross_page_seal_refused_on_a_signed_file(pki):  # noqa: F811
    """A cross-page seal draws on every page: a change no earlier signature allows."""
    case = CASES["approval-signed"]
    with pytest.raises(InvalidPdf) as refused:
        _sign(pki, case.data, Placement(0, 0, 300, 100, 100, kind="cross_page"))
    assert refused.value.code == "signed_page_change"


@pytest.mark.parametrize("name", ["owner-password-all-allowed-aes256", "xmp-undefined-prefix", "form-need-appearances"])
def test_envelope_fields_and_the_closing_timestamp_on_real_world_files(pki, name):  # noqa: F811
    """An envelope adds its parties' fields first and closes with a document timestamp:
    both open the file as sealing does."""
    from documents.pdf.fields import FieldBox, document_timestamp_add, signature_fields_add

    prepared = signature_fields_add(CASES[name].data, [FieldBox("Party-1", 0, 100, 100, 120, 60)])
    sealed = stamp_and_sign(
        prepared,
        placement=Placement(0, 100, 100, 120, 60),
        appearance_pdf=pki["appearance"],
        signing_key=pki["signing_key"],
        timestamping=pki["timestamping"],
        field_name="Party-1",
        existing_field=True,
        certify=True,
    )
    closed = document_timestamp_add(sealed, pki["timestamping"])
    statuses = assert_independently_valid(closed, trust_roots=_roots(pki), new_signatures=2)
    assert statuses[0].docmdp_ok is not False


@pytest.mark.parametrize("permission", [MDPPerm.FILL_FORMS, MDPPerm.ANNOTATE])
def test_pyhanko_keeps_a_certification_for_a_prepared_field_not_for_a_new_visible_one(permission):
    """Why a certified document is sealed in a field its author prepared (docs/architecture.md
    "Certified documents"): pyHanko's difference analysis, used here with its defaults as an
    independent validator would, refuses a new visible signature field after a certification
    of either level, and accepts filling a prepared field or a new invisible one."""
    prepared = certified_with_prepared_field(reportlab_pdf(1), permission=permission)

    def certification_after(box, *, name="Later", existing=False):
        writer = IncrementalPdfFileWriter(io.BytesIO(prepared), strict=False)
        spec = None if existing else fields.SigFieldSpec(sig_field_name=name, on_page=0, box=box)
        output = io.BytesIO()
        metadata = signers.PdfSignatureMetadata(field_name=name, subfilter=fields.SigSeedSubFilter.PADES)
        signers.PdfSigner(metadata, author().signer, new_field_spec=spec).sign_pdf(writer, output=output)
        first = PdfFileReader(io.BytesIO(output.getvalue())).embedded_signatures[0]
        context = ValidationContext(trust_roots=[author().root_asn1], allow_fetching=False)
        status = validate_pdf_signature(first, context)
        return status.docmdp_ok, status.modification_level

    assert certification_after((100, 600, 200, 700)) == (False, ModificationLevel.OTHER)
    assert certification_after(None) == (True, ModificationLevel.FORM_FILLING)
    assert certification_after(None, name="SignHere", existing=True) == (True, ModificationLevel.FORM_FILLING)


def test_a_hardware_key_seal_fills_the_prepared_field_of_a_certified_document(pki):  # noqa: F811
    """The U-key path (prepare, the token signs, finish) keeps a certification the same way."""
    case = CASES["certified-p2-prepared-field"]
    field = inspect_pdf(case.data).prepared_fields[0]
    key = pki["signing_key"]
    prepared = remote.prepare(
        case.data,
        placement=placement_in_field(field),
        appearance_pdf=pki["appearance"],
        certificate_pem=key.certificate_pem,
        chain_pem=key.chain_pem,
        field_name=field.name,
        existing_field=True,
    )
    token_signature = key.private_key.sign(prepared.signed_attributes, ec.ECDSA(hashes.SHA256()))
    signed = remote.finish(
        prepared,
        signature=token_signature,
        certificate_pem=key.certificate_pem,
        chain_pem=key.chain_pem,
        timestamping=pki["timestamping"],
    )
    statuses = assert_independently_valid(signed, trust_roots=_roots(pki))
    assert statuses[0].docmdp_ok is True and statuses[0].modification_level == ModificationLevel.FORM_FILLING
    assert [signature.field_name for signature in PdfFileReader(io.BytesIO(signed)).embedded_signatures] == [
        "AuthorSignature",
        "SignHere",
    ]
