"""A corpus of PDFs of the kinds real producers write and that sealing must cope with:
owner-password files with each permission set, broken XMP, damaged cross-reference data,
unusual page boxes, certified (DocMDP P1/P2/P3) and FieldMDP-locked files, forms that rely
on /NeedAppearances, already signed and long-term (LTA) files.

Each entry is built from scratch (reportlab, pypdf, pyHanko) and says what sealing must do
with it: `expect` is "seal", "refuse_upload" (with the refusal code) or "refuse_placement".
Reusable: `corpus()` returns every case; `Author` is the independent PKI that certified
files are signed with (its root validates their certifying signature)."""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass, field

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import FieldMDPAction, FieldMDPSpec, MDPPerm
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions as Perm
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)
from reportlab.lib.pagesizes import A4, letter
from reportlab.pdfgen import canvas

from seals import ca, keys


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    expect: str = "seal"  # "seal" | "refuse_upload" | "refuse_placement"
    code: str = ""  # the refusal code the engine gives, when refused
    form_fields: tuple[str, ...] = ()  # fields whose rendered look must survive sealing
    certified: bool = False  # the first signature certifies; it must stay within its permissions
    signatures_before: int = 0
    tags: frozenset[str] = field(default_factory=frozenset)
    # A certified file's empty signature field, prepared by its author: the seal goes there.
    prepared_field: str = ""


# ---------------------------------------------------------------- plain pages


def reportlab_pdf(pages: int = 1, *, pagesize=A4, text: str = "Agreement", invariant: int = 1) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=pagesize, invariant=invariant)
    width, height = pagesize
    for number in range(1, pages + 1):
        pdf.setFont("Helvetica", 14)
        pdf.drawString(72, height - 80, f"{text} - page {number}")
        pdf.rect(36, 36, width - 72, height - 72)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _rewrite(data: bytes, change) -> bytes:
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter(clone_from=reader)
    change(writer)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def xref_stream_pdf() -> bytes:
    """Object streams and a cross-reference stream, as most modern producers write."""
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(reportlab_pdf(2))))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


# ---------------------------------------------------------------- encryption

# Reserved bits stay set, as ISO 32000-1 table 22 requires (pyHanko cannot authenticate
# a file whose /P clears them, though pypdf can: see `reserved_bits_cleared`).
ALL_PERMISSIONS = Perm.all()
_USE = Perm.MODIFY | Perm.EXTRACT | Perm.ADD_OR_MODIFY | Perm.FILL_FORM_FIELDS | Perm.ASSEMBLE_DOC
PRINT_ONLY = ALL_PERMISSIONS & ~_USE
NO_MODIFY = ALL_PERMISSIONS & ~(Perm.MODIFY | Perm.ADD_OR_MODIFY | Perm.FILL_FORM_FIELDS | Perm.ASSEMBLE_DOC)
FILL_ONLY = PRINT_ONLY | Perm.FILL_FORM_FIELDS
ANNOTATE_ONLY = PRINT_ONLY | Perm.ADD_OR_MODIFY
MODIFY_AND_ANNOTATE = PRINT_ONLY | Perm.MODIFY | Perm.ADD_OR_MODIFY  # what creating a signature field needs
RESERVED_BITS_CLEARED = int(Perm.PRINT | Perm.MODIFY | Perm.ADD_OR_MODIFY | Perm.FILL_FORM_FIELDS)


def owner_password_pdf(permissions: int, *, algorithm: str = "AES-128", user_password: str = "") -> bytes:
    reader = PdfReader(io.BytesIO(reportlab_pdf(2)))
    writer = PdfWriter(clone_from=reader)
    writer.encrypt(
        user_password=user_password, owner_password="owner-secret", permissions_flag=permissions, algorithm=algorithm
    )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


# Each permission bit a viewer honours, taken away on its own: only "modify" and "annotate"
# are needed to add a signature field (documents/pdf/structure.py SEAL_PERMISSIONS).
PERMISSION_BITS = {
    "print": Perm.PRINT,
    "modify": Perm.MODIFY,
    "copy": Perm.EXTRACT,
    "annotate": Perm.ADD_OR_MODIFY,
    "fill-forms": Perm.FILL_FORM_FIELDS,
    "accessibility": Perm.EXTRACT_TEXT_AND_GRAPHICS,
    "assemble": Perm.ASSEMBLE_DOC,
    "print-high-quality": Perm.PRINT_TO_REPRESENTATION,
}
NEEDED_BITS = {"modify", "annotate"}


def owner_password_cases() -> list[Case]:
    cases = []
    for name, bit in PERMISSION_BITS.items():
        data = owner_password_pdf(ALL_PERMISSIONS & ~bit, algorithm="AES-256" if name == "copy" else "AES-128")
        if name in NEEDED_BITS:
            cases.append(Case(f"owner-password-without-{name}", data, "refuse_upload", "permission_denied"))
        else:
            cases.append(Case(f"owner-password-without-{name}", data))
    return cases


# ---------------------------------------------------------------- metadata


def with_xmp(data: bytes, xmp: bytes) -> bytes:
    def change(writer):
        stream = writer._add_object(_stream(xmp, {"/Type": NameObject("/Metadata"), "/Subtype": NameObject("/XML")}))
        writer._root_object[NameObject("/Metadata")] = stream

    return _rewrite(data, change)


def _stream(data: bytes, entries: dict):
    stream = StreamObject()
    stream.set_data(data)
    for key, value in entries.items():
        stream[NameObject(key)] = value
    return stream


XMP_UNDEFINED_PREFIX = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about=""><pdfx:Company>Example</pdfx:Company></rdf:Description>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
XMP_TRUNCATED = XMP_UNDEFINED_PREFIX[:120]
XMP_NOT_XML = b"\x00\x01 this is not XML at all \xff\xfe"
XMP_VALID = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    b"<dc:format>application/pdf</dc:format></rdf:Description>"
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


# ---------------------------------------------------------------- damaged cross-reference data


def xref_offsets_shifted(data: bytes, shift: int = 7) -> bytes:
    """Every offset in the classic xref table off by a few bytes (a producer that counted wrong)."""

    def bump(match):
        return b"%010d %s n" % (int(match.group(1)) + shift, match.group(2))

    return re.sub(rb"(\d{10}) (\d{5}) n", bump, data)


def xref_entries_swapped(data: bytes) -> bytes:
    """Objects 2 and 3 point at each other's offsets: "Expected object ID (3 0) does not
    match actual (2 0)"."""
    start = data.rindex(b"\nxref\n") + 1
    lines = data[start:].split(b"\n")
    # lines[0] "xref", lines[1] "0 N", lines[2] object 0, lines[3] object 1 ...
    lines[4], lines[5] = lines[5], lines[4]
    return data[:start] + b"\n".join(lines)


def startxref_wrong(data: bytes) -> bytes:
    position = data.rindex(b"startxref")
    tail = data[position:]
    number = re.search(rb"startxref\s+(\d+)", tail).group(1)
    return data[:position] + tail.replace(number, str(int(number) + 40).encode(), 1)


def xref_missing(data: bytes) -> bytes:
    """No cross-reference table at all (only the objects and a trailer)."""
    start = data.rindex(b"\nxref\n") + 1
    trailer = data.index(b"trailer", start)
    return data[:start] + data[trailer:]


# ---------------------------------------------------------------- page boxes


def with_boxes(
    data: bytes,
    *,
    media=None,
    crop=None,
    rotate: int = 0,
    user_unit: float | None = None,
    inherit_media: bool = False,
) -> bytes:
    def change(writer):
        for page in writer.pages:
            if media is not None:
                page[NameObject("/MediaBox")] = ArrayObject([FloatObject(v) for v in media])
            if crop is not None:
                page[NameObject("/CropBox")] = ArrayObject([FloatObject(v) for v in crop])
            if rotate:
                page[NameObject("/Rotate")] = NumberObject(rotate)
            if user_unit is not None:
                page[NameObject("/UserUnit")] = FloatObject(user_unit)
            if inherit_media:
                box = page["/MediaBox"]
                del page[NameObject("/MediaBox")]
                page["/Parent"].get_object()[NameObject("/MediaBox")] = box

    return _rewrite(data, change)


# ---------------------------------------------------------------- forms


def form_pdf(*, need_appearances: bool = True, with_appearances: bool = False) -> tuple[bytes, tuple[str, ...]]:
    """A filled form (text, multi-line text, dropdown, checkbox) whose widgets carry no
    appearance streams and rely on /NeedAppearances true, as many form producers write."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setFont("Helvetica", 12)
    pdf.drawString(72, 780, "Application form")
    form = pdf.acroForm
    form.textfield(name="applicant", x=72, y=700, width=250, height=24, value="Zhang Wei", forceBorder=True)
    form.choice(name="city", x=72, y=640, width=160, height=24, value="Shanghai", options=["Beijing", "Shanghai"])
    form.checkbox(name="agree", x=72, y=590, size=18, checked=True, buttonStyle="check")
    form.textfield(
        name="notes", x=72, y=480, width=300, height=80, value="Line one", fieldFlags="multiline", forceBorder=True
    )
    pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    if with_appearances:
        return data, ("applicant", "city", "agree", "notes")

    def change(writer):
        root = writer._root_object
        acro = root["/AcroForm"].get_object()
        if need_appearances:
            acro[NameObject("/NeedAppearances")] = BooleanObject(True)
        for annotation in writer.pages[0].get("/Annots", []):
            widget = annotation.get_object()
            if widget.get("/FT") in ("/Tx", "/Ch") and "/AP" in widget:
                del widget[NameObject("/AP")]
            if widget.get("/FT") == "/Tx" and widget.get("/T") == "applicant":
                widget[NameObject("/V")] = TextStringObject("Li Na")

    return _rewrite(data, change), ("applicant", "city", "agree", "notes")


def widget_rects(data: bytes) -> dict[str, tuple[int, list[float]]]:
    """Field name → (page index, rectangle) for every widget with a name."""
    reader = PdfReader(io.BytesIO(data))
    result = {}
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots", []) or []:
            widget = annotation.get_object()
            name = widget.get("/T") or (widget.get("/Parent") or {}).get("/T")
            if name:
                result[str(name)] = (index, [float(v) for v in widget["/Rect"]])
    return result


# ---------------------------------------------------------------- signatures by another author


@dataclass(frozen=True)
class Author:
    root_pem: str
    signer: object
    timestamper: object

    @property
    def root_asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(_der_of_pem(self.root_pem))


def _der_of_pem(pem: str) -> bytes:
    return x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)


def _asn1_cert(certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _asn1_key(private_key) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(
        private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )


@functools.lru_cache(maxsize=1)
def author() -> Author:
    """Another organisation's PKI (not Sealhub's), as a real certifying author would have."""
    root_key, root_cert = ca.create_root_ca("Other Author Root CA")
    tsa_key, tsa_cert = ca.create_timestamp_authority(root_key, root_cert, "Other Author TSA")
    key = keys.generate_private_key()
    cert = ca.issue_person_certificate(root_key, root_cert, key.public_key(), name="Author", email="a@example.org")
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(cert),
        signing_key=_asn1_key(key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(root_cert)]),
    )
    timestamper = DummyTimeStamper(
        tsa_cert=_asn1_cert(tsa_cert),
        tsa_key=_asn1_key(tsa_key),
        certs_to_embed=SimpleCertificateStore.from_certs([_asn1_cert(root_cert)]),
    )
    return Author(root_cert.public_bytes(serialization.Encoding.PEM).decode(), signer, timestamper)


def author_signed(
    data: bytes,
    *,
    certify: bool = False,
    permission: MDPPerm = MDPPerm.FILL_FORMS,
    field_name: str = "AuthorSignature",
    visible: bool = False,
    field_lock: FieldMDPSpec | None = None,
    lock_no_changes: bool = False,
    timestamp: bool = True,
) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    box = (72, 72, 232, 122) if visible else None
    spec = fields.SigFieldSpec(
        sig_field_name=field_name,
        on_page=0,
        box=box,
        field_mdp_spec=field_lock,
        doc_mdp_update_value=MDPPerm.NO_CHANGES if lock_no_changes else None,
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        certify=certify,
        docmdp_permissions=permission,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    output = io.BytesIO()
    signers.PdfSigner(
        metadata, author().signer, timestamper=author().timestamper if timestamp else None, new_field_spec=spec
    ).sign_pdf(writer, output=output)
    return output.getvalue()


def with_empty_signature_field(data: bytes, name: str = "SignHere") -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name=name, on_page=0, box=(300, 72, 460, 122)))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def certified_with_prepared_field(
    data: bytes, *, permission: MDPPerm = MDPPerm.FILL_FORMS, locked_by_witness: bool = False
) -> bytes:
    """Certified by its author after preparing an empty signature field ("SignHere") for
    the next party; `locked_by_witness`: then a witness signed with a lock on that field."""
    certified = author_signed(with_empty_signature_field(data), certify=True, permission=permission)
    if not locked_by_witness:
        return certified
    lock = FieldMDPSpec(FieldMDPAction.INCLUDE, fields=["SignHere"])
    return author_signed(certified, field_name="Witness", field_lock=lock)


def lta_pdf(data: bytes, *, dss_last: bool = True) -> bytes:
    """PAdES B-LTA as long-term tools write it: signature (B-T), a revision with validation
    data (DSS), a document timestamp, and (`dss_last`) the timestamp's validation data after it."""
    signed = author_signed(data)
    reader = PdfFileReader(io.BytesIO(signed))
    signature = reader.embedded_signatures[0]
    certs = [_der_to_asn1(c) for c in _pem_chain()]
    output = io.BytesIO(signed)
    DocumentSecurityStore.add_dss(output, signature.pkcs7_content, certs=certs)
    writer = IncrementalPdfFileWriter(io.BytesIO(output.getvalue()), strict=False)
    stamped = io.BytesIO()
    signers.PdfTimeStamper(author().timestamper).timestamp_pdf(writer, md_algorithm="sha256", output=stamped)
    if not dss_last:
        return stamped.getvalue()
    timestamp = PdfFileReader(io.BytesIO(stamped.getvalue())).embedded_signatures[-1]
    DocumentSecurityStore.add_dss(stamped, timestamp.pkcs7_content, certs=certs)
    return stamped.getvalue()


def _pem_chain() -> list[bytes]:
    return [_der_of_pem(author().root_pem)]


def _der_to_asn1(der: bytes) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(der)


# ---------------------------------------------------------------- the corpus


def corpus() -> list[Case]:
    a4, letter_pdf = reportlab_pdf(1), reportlab_pdf(3, pagesize=letter)
    form, form_fields = form_pdf()
    cases = [
        Case("plain-a4", a4),
        Case("plain-letter-3-pages", letter_pdf),
        Case("plain-landscape", reportlab_pdf(1, pagesize=(842, 595))),
        Case("xref-stream", xref_stream_pdf()),
        # owner password only: opens without a password, permissions apply
        Case("owner-password-all-allowed-aes128", owner_password_pdf(ALL_PERMISSIONS)),
        Case("owner-password-all-allowed-rc4", owner_password_pdf(ALL_PERMISSIONS, algorithm="RC4-128")),
        Case("owner-password-all-allowed-aes256", owner_password_pdf(ALL_PERMISSIONS, algorithm="AES-256")),
        Case("owner-password-modify-and-annotate", owner_password_pdf(MODIFY_AND_ANNOTATE)),
        Case("owner-password-fill-forms-only", owner_password_pdf(FILL_ONLY), "refuse_upload", "permission_denied"),
        Case(
            "owner-password-annotate-only",
            owner_password_pdf(ANNOTATE_ONLY, algorithm="AES-256"),
            "refuse_upload",
            "permission_denied",
        ),
        Case("owner-password-no-modify", owner_password_pdf(NO_MODIFY), "refuse_upload", "permission_denied"),
        Case(
            "owner-password-print-only",
            owner_password_pdf(PRINT_ONLY, algorithm="RC4-128"),
            "refuse_upload",
            "permission_denied",
        ),
        Case(
            "owner-password-reserved-bits-cleared",
            owner_password_pdf(RESERVED_BITS_CLEARED),
            "refuse_upload",
            "encryption_unsupported",
        ),
        Case(
            "user-password", owner_password_pdf(ALL_PERMISSIONS, user_password="open-me"), "refuse_upload", "encrypted"
        ),
        Case(
            "user-password-aes256",
            owner_password_pdf(PRINT_ONLY, user_password="x", algorithm="AES-256"),
            "refuse_upload",
            "encrypted",
        ),
        # metadata
        Case("xmp-undefined-prefix", with_xmp(a4, XMP_UNDEFINED_PREFIX)),
        Case("xmp-truncated", with_xmp(a4, XMP_TRUNCATED)),
        Case("xmp-not-xml", with_xmp(a4, XMP_NOT_XML)),
        Case("xmp-valid", with_xmp(a4, XMP_VALID)),
        # damaged cross-reference data: repaired at upload (a normalised first version)
        Case("xref-offsets-shifted", xref_offsets_shifted(letter_pdf), tags=frozenset({"repair"})),
        Case("xref-entries-swapped", xref_entries_swapped(a4), tags=frozenset({"repair"})),
        Case("startxref-wrong", startxref_wrong(a4), tags=frozenset({"repair"})),
        Case("xref-missing", xref_missing(letter_pdf), tags=frozenset({"repair"})),
        # page boxes
        Case("mediabox-inverted", with_boxes(a4, media=[0, 842, 595, 0])),
        Case("mediabox-inverted-x", with_boxes(a4, media=[595, 0, 0, 842])),
        Case("mediabox-negative-origin", with_boxes(a4, media=[-300, -400, 295, 442])),
        Case("cropbox-offset", with_boxes(a4, crop=[40, 60, 500, 800])),
        Case("cropbox-beyond-media", with_boxes(a4, crop=[-50, -50, 700, 900])),
        Case("rotate-90", with_boxes(a4, rotate=90)),
        Case("rotate-180", with_boxes(a4, rotate=180)),
        Case("rotate-270", with_boxes(a4, rotate=270)),
        Case("rotate-90-cropbox-offset", with_boxes(a4, rotate=90, crop=[40, 60, 500, 800])),
        Case("rotate-270-inverted", with_boxes(a4, rotate=270, media=[0, 842, 595, 0])),
        Case("userunit-2", with_boxes(reportlab_pdf(1, pagesize=(300, 420)), user_unit=2.0)),
        Case("mediabox-inherited", with_boxes(letter_pdf, inherit_media=True)),
        # certified and signed files
        Case(
            "certified-p1",
            author_signed(a4, certify=True, permission=MDPPerm.NO_CHANGES),
            "refuse_placement",
            "certified_no_changes",
            certified=True,
            signatures_before=1,
        ),
        Case(
            "certified-p2",
            author_signed(a4, certify=True, permission=MDPPerm.FILL_FORMS),
            expect="refuse_placement",
            code="certified_fields_only",
            certified=True,
            signatures_before=1,
        ),
        Case(
            "certified-p3",
            author_signed(a4, certify=True, permission=MDPPerm.ANNOTATE),
            expect="refuse_placement",
            code="certified_fields_only",
            certified=True,
            signatures_before=1,
        ),
        Case(
            "certified-p2-visible",
            author_signed(letter_pdf, certify=True, visible=True),
            expect="refuse_placement",
            code="certified_fields_only",
            certified=True,
            signatures_before=1,
        ),
        Case(
            "certified-p2-form",
            author_signed(form_pdf(need_appearances=False, with_appearances=True)[0], certify=True),
            expect="refuse_placement",
            code="certified_fields_only",
            certified=True,
            signatures_before=1,
            form_fields=form_fields,
        ),
        # certified, with an empty signature field the author prepared: the seal fills it
        Case(
            "certified-p2-prepared-field",
            certified_with_prepared_field(a4),
            certified=True,
            signatures_before=1,
            prepared_field="SignHere",
        ),
        Case(
            "certified-p3-prepared-field",
            certified_with_prepared_field(letter_pdf, permission=MDPPerm.ANNOTATE),
            certified=True,
            signatures_before=1,
            prepared_field="SignHere",
        ),
        Case(
            "certified-p2-form-need-appearances-prepared-field",
            certified_with_prepared_field(form),
            certified=True,
            signatures_before=1,
            prepared_field="SignHere",
            form_fields=form_fields,
        ),
        Case(
            "certified-p1-prepared-field",
            certified_with_prepared_field(a4, permission=MDPPerm.NO_CHANGES),
            "refuse_placement",
            "certified_no_changes",
            certified=True,
            signatures_before=1,
        ),
        Case(
            "certified-p2-prepared-field-locked",
            certified_with_prepared_field(a4, locked_by_witness=True),
            "refuse_placement",
            "locked_by_signature",
            certified=True,
            signatures_before=2,
            prepared_field="SignHere",
        ),
        Case(
            "fieldmdp-lock-some",
            author_signed(
                form_pdf(with_appearances=True)[0],
                field_lock=FieldMDPSpec(FieldMDPAction.INCLUDE, fields=["applicant"]),
            ),
            expect="refuse_placement",
            code="locked_by_signature",
            signatures_before=1,
            form_fields=form_fields,
        ),
        Case(
            "fieldmdp-lock-all",
            author_signed(a4, field_lock=FieldMDPSpec(FieldMDPAction.ALL)),
            expect="refuse_placement",
            code="locked_by_signature",
            signatures_before=1,
        ),
        Case(
            "fieldmdp-lock-no-changes",
            author_signed(a4, field_lock=FieldMDPSpec(FieldMDPAction.ALL), lock_no_changes=True),
            "refuse_placement",
            "locked_by_signature",
            signatures_before=1,
        ),
        Case("approval-signed", author_signed(a4, visible=True), signatures_before=1),
        Case("approval-signed-twice", author_signed(author_signed(a4), field_name="Second"), signatures_before=2),
        Case("empty-signature-field", with_empty_signature_field(a4)),
        Case("lta", lta_pdf(a4), signatures_before=2),
        Case("lta-timestamp-last", lta_pdf(a4, dss_last=False), signatures_before=2),
        # forms
        Case("form-need-appearances", form, form_fields=form_fields),
        Case("form-with-appearances", form_pdf(with_appearances=True)[0], form_fields=form_fields),
        *owner_password_cases(),
    ]
    return cases
