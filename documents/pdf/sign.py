"""Stamp a seal and sign in one incremental revision (PAdES B-T, or B-LT with `long_term`). Pure function over bytes.

The seal image is the appearance of a visible signature widget at the placement, so the
stamp and the signature are added together and nothing is drawn after signing
(docs/library-notes.md: changes after a signature show up as modifications)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import io
import os
import tempfile
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfReader, PdfWriter

from documents.pdf.national import attach_to_field, national_signature_der
from documents.pdf.structure import (
    READ_ERRORS,
    InvalidPdf,
    PreparedField,
    changes_refusal,
    may_restrict_changes,
    page_box,
    page_boxes,
    quiet_library_tracebacks,
    refusal_for_broken,
    remember_checked,
    sealing_reader,
    signatures_broken_by,
)
from documents.pdf.timestamping import LongTermValidation, RemoteTimestamping, checked_timestamper, validation_context
from sealcore.timestamp_token import TokenSigner

quiet_library_tracebacks()  # a refused seal's diff analysis is a verdict, not a traceback


@dataclass(frozen=True)
class Placement:
    """A rectangle in PDF user space on a 0-based page. A cross-page placement (骑缝章)
    uses only y, width and height: the seal is split over the right edges of all pages."""

    page: int
    x: float
    y: float
    width: float
    height: float
    kind: str = "single"


@dataclass(frozen=True)
class SigningKey:
    private_key: object  # a cryptography private key, unlocked for this job only
    certificate_pem: str
    chain_pem: list[str]


@dataclass(frozen=True)
class Timestamping:
    tsa_private_key: object
    tsa_certificate_pem: str
    root_certificate_pem: str


def _asn1_cert(pem: str) -> asn1_x509.Certificate:
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def _asn1_key(private_key) -> asn1_keys.PrivateKeyInfo:
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return asn1_keys.PrivateKeyInfo.load(der)


# Room for the CMS signature, the certificate chain and the timestamp token. Giving it
# up front spares pyHanko a trial signature (with a trial timestamp) to measure the size.
SIGNATURE_BYTES_RESERVED = 16384


@functools.lru_cache(maxsize=4)
def _timestamper(timestamping: Timestamping | RemoteTimestamping):
    """RemoteTimestamping: RFC 3161 TSAs over HTTP, each token checked (timestamping.py).
    Timestamping: an in-process responder with the TSA key (tests and benchmarks), built
    once per process."""
    if isinstance(timestamping, RemoteTimestamping):
        return checked_timestamper(timestamping)

    tsa_certificate = _asn1_cert(timestamping.tsa_certificate_pem)
    token_signer = TokenSigner(
        key=timestamping.tsa_private_key,
        certificate=tsa_certificate.dump(),
        chain=[_asn1_cert(timestamping.root_certificate_pem).dump()],
    )

    class PlatformTimeStamper(DummyTimeStamper):
        # The token as the platform TSA's endpoint makes it (sealcore/timestamp_token.py:
        # fixed parts encoded once), not pyHanko's responder, which re-encodes the
        # certificates and re-parses the key for every token (≈5 ms each).
        def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
            now = _utc_now()
            tst_info = self._build_tst_info(req["message_imprint"], now, req)
            token = token_signer.token(tst_info, now=now)
            return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})

    return PlatformTimeStamper(tsa_cert=tsa_certificate, tsa_key=_asn1_key(timestamping.tsa_private_key))


def stamp_and_sign(
    data: bytes,
    *,
    placement: Placement,
    appearance_pdf: bytes,
    signing_key: SigningKey,
    timestamping: Timestamping | RemoteTimestamping,
    field_name: str,
    reason: str = "",
    location: str = "",
    certify: bool = False,
    existing_field: bool = False,
    national=None,
    long_term: LongTermValidation | None = None,
) -> bytes:
    """`existing_field`: fill the empty signature field `field_name` (envelopes) instead
    of adding one at the placement. `national` (documents/pdf/national.py NationalSigning):
    also put an SM2 signature (GB/T 38540) over `data` on the same field, before signing.
    `long_term`: PAdES B-LT (the chains and their revocation data in the DSS)."""

    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(signing_key.certificate_pem),
        signing_key=_asn1_key(signing_key.private_key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(pem) for pem in signing_key.chain_pem]),
    )
    metadata = signature_metadata(
        field_name=field_name, reason=reason, location=location, certify=certify, long_term=long_term
    )
    cross_page = placement.kind == "cross_page"
    field_spec = signature_field_spec(placement, field_name, existing_field=existing_field)
    with signature_appearance(data, placement=placement, appearance_pdf=appearance_pdf) as (writer, style):
        if existing_field:
            style = fitted_into_field(style, writer, field_name, placement)
        if national is not None:
            der = national_signature_der(data, national, signed_at=_utc_now(), timestamper=_timestamper(timestamping))
            if field_spec is not None:
                fields.append_signature_field(writer, field_spec)
                field_spec = None
            attach_to_field(writer, field_name, der)
        pdf_signer = signers.PdfSigner(
            metadata,
            signer,
            timestamper=_timestamper(timestamping),
            new_field_spec=field_spec,
            stamp_style=None if cross_page else style,
        )
        output = io.BytesIO()
        pdf_signer.sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES_RESERVED, output=output)
        signed = output.getvalue()
    assert_signatures_kept(data, signed)
    remember_checked(signed)  # our own revision on a checked file: the next placement need not walk it
    return signed


def assert_signatures_kept(before: bytes, after: bytes) -> None:
    """A seal never takes an earlier signature or certification outside its permissions:
    checked on the result by pyHanko's diff analysis (permanent refusal if it would)."""
    if b"/ByteRange" not in before:  # nobody signed before: nothing to keep
        return
    broken = signatures_broken_by(before, after)
    if broken:
        raise InvalidPdf(refusal_for_broken(before, broken), ", ".join(broken)[:200])


@functools.lru_cache(maxsize=1)
def _trial_signer():
    """A throwaway key and self-signed certificate: a trial seal is never kept."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sealhub trial")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(der),
        signing_key=_asn1_key(key),
        cert_registry=SimpleCertificateStore.from_certs([]),
    )


def trial_seal_refusal(data: bytes, *, field: PreparedField | None = None) -> tuple[str, str]:
    """Why a seal cannot be added to an already signed file without taking an earlier
    signature outside its permissions, and the signatures it would break (("", "") if it
    can): a visible seal is tried on the first page, or in the prepared `field`, and the
    earlier signatures are analysed, as the sealing job will do. Files without
    signatures need no trial."""
    if b"/ByteRange" not in data or not may_restrict_changes(data):
        return "", ""  # unsigned, or only approval signatures without locks: a seal keeps them
    if field is not None:
        placement = Placement(field.page, field.left, field.bottom, field.right - field.left, field.top - field.bottom)
        spec = None
    else:
        box = page_boxes(data)[0]
        side = min(box.width, box.height) / 4
        placement = Placement(0, box.left + side, box.bottom + side, side, side)
        spec = signature_field_spec(placement, "SealhubTrial")
    name = field.name if field is not None else "SealhubTrial"
    writer = sealing_writer(data)
    output = io.BytesIO()
    try:
        signers.PdfSigner(
            signature_metadata(field_name=name, reason="", location="", certify=False),
            _trial_signer(),
            new_field_spec=spec,
        ).sign_pdf(writer, output=output)
    except Exception as exc:  # whatever stops pyHanko here stops the sealing job too
        raise InvalidPdf("malformed", repr(exc)[:200]) from exc
    broken = signatures_broken_by(data, output.getvalue())
    return (refusal_for_broken(data, broken), ", ".join(broken)[:200]) if broken else ("", "")


def fitted_into_field(style, writer, field_name: str, placement: Placement):
    """The seal drawn at the placement inside an existing field's widget (a field the
    author prepared may be larger than the seal, which keeps its true size): the layout's
    margins are the distances from the widget's edges to the placement's."""
    rect = _widget_rect(writer, field_name)
    if rect is None:
        return style
    left, bottom, right, top = rect
    margins = layout.Margins(
        left=max(placement.x - left, 0),
        right=max(right - placement.x - placement.width, 0),
        top=max(top - placement.y - placement.height, 0),
        bottom=max(placement.y - bottom, 0),
    )
    if max(margins.left, margins.right, margins.top, margins.bottom) < 0.01:
        return style
    return dataclasses.replace(style, background_layout=dataclasses.replace(SEAL_LAYOUT, margins=margins))


def _widget_rect(writer, field_name: str) -> tuple[float, float, float, float] | None:
    for name, _value, field_ref in fields.enumerate_sig_fields(writer, with_name=field_name):
        if str(name) != field_name:
            continue
        field = field_ref.get_object()
        widget = field if "/Rect" in field else next((kid.get_object() for kid in field.get("/Kids", ())), None)
        if widget is None or "/Rect" not in widget:
            return None
        x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)
    return None


def _utc_now():
    return dt.datetime.now(dt.UTC)


def signature_metadata(
    *, field_name: str, reason: str, location: str, certify: bool, long_term: LongTermValidation | None = None
):
    return signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location or None,
        certify=certify,
        docmdp_permissions=MDPPerm.FILL_FORMS,
        embed_validation_info=long_term is not None,
        validation_context=validation_context(long_term.trust_roots_pem, fetching=True) if long_term else None,
    )


def signature_field_spec(placement: Placement, field_name: str, *, existing_field: bool = False):
    """None to fill an existing field; an invisible field for a cross-page seal (the
    strips are the stamp); otherwise a widget at the placement."""
    if existing_field:
        return None
    if placement.kind == "cross_page":
        return fields.SigFieldSpec(sig_field_name=field_name)
    box = (placement.x, placement.y, placement.x + placement.width, placement.y + placement.height)
    return fields.SigFieldSpec(sig_field_name=field_name, on_page=placement.page, box=box)


# The seal fills the placement exactly: pyHanko's default layout keeps a 5 pt margin
# (≈1.8 mm) inside the box and never enlarges the picture, so the seal landed smaller and
# off the box the person placed.
SEAL_LAYOUT = layout.SimpleBoxLayoutRule(
    x_align=layout.AxisAlignment.ALIGN_MID,
    y_align=layout.AxisAlignment.ALIGN_MID,
    margins=layout.Margins(0, 0, 0, 0),
    inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
)


class _SealingWriter(IncrementalPdfFileWriter):
    """pyHanko's incremental writer, keeping a form's /NeedAppearances true: pyHanko drops
    it when it adds a signature field, and viewers then show fields without appearance
    streams (values, a dropdown's arrow) as empty."""

    need_appearances = False

    def _prep_dom_for_writing(self):
        super()._prep_dom_for_writing()
        form = self.root.get("/AcroForm")
        form = form.get_object() if form is not None else None
        if self.need_appearances and form is not None and "/NeedAppearances" not in form:
            form[generic.NameObject("/NeedAppearances")] = generic.BooleanObject(True)
            self.update_container(form)


def sealing_writer(data: bytes, *, page_content: bool = False) -> IncrementalPdfFileWriter:
    """An incremental writer over `data` after the checks the upload made (documents/pdf/
    inspect.py `sealing_reader`): the same file is refused for the same reason here, as a
    permanent error. An owner-password file is written with its own encryption.
    `page_content`: the revision draws on pages (a cross-page seal), which no earlier
    signature allows."""
    reader = sealing_reader(data)
    try:
        refusal = changes_refusal(reader) if may_restrict_changes(data) else ""
        if not refusal and page_content and reader.embedded_signatures:
            refusal = "signed_page_change"
        if refusal:
            raise InvalidPdf(refusal)
        writer = _SealingWriter.from_reader(reader)
        form = writer.root.get("/AcroForm")
        flag = form.get_object().get("/NeedAppearances") if form is not None else None
        writer.need_appearances = getattr(flag, "value", flag) is True  # a pyHanko BooleanObject
        _replace_unreadable_xmp(writer)
    except InvalidPdf:
        raise
    except READ_ERRORS as exc:
        raise InvalidPdf("malformed", str(exc)[:200]) from exc
    return writer


def _replace_unreadable_xmp(writer: IncrementalPdfFileWriter) -> None:
    """XMP metadata is optional, but pyHanko updates it when it signs and fails on XML it
    cannot parse (an undefined namespace prefix, truncated or binary data). Such metadata
    is replaced: pyHanko writes a fresh packet in place of any /Metadata that is not a
    metadata stream, so the catalog is pointed at null for it to fill."""
    if "/Metadata" not in writer.root:
        return
    try:
        metadata = writer.root["/Metadata"]
        if isinstance(metadata, MetadataStream):
            metadata.xmp  # noqa: B018  (parsing is what fails)
    except Exception:  # any parse failure of optional metadata: replace it
        writer.root["/Metadata"] = generic.NullObject()
        writer.update_root()


@contextlib.contextmanager
def signature_appearance(data: bytes, *, placement: Placement, appearance_pdf: bytes):
    """A writer over `data` with a cross-page seal already drawn (same revision as the
    signature, so it is covered), and the stamp style for a single-page seal."""
    # pyHanko reads a static stamp appearance from a file path (docs/library-notes.md).
    handle, appearance_path = tempfile.mkstemp(suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as appearance_file:
            if placement.kind == "cross_page":
                appearance_file.write(appearance_pdf)
            else:
                appearance_file.write(appearance_upright_on(appearance_pdf, _page_rotation(data, placement.page)))
        style = StaticStampStyle.from_pdf_file(appearance_path, border_width=0, background_layout=SEAL_LAYOUT)
        writer = sealing_writer(data, page_content=placement.kind == "cross_page")
        if placement.kind == "cross_page":
            _draw_cross_page_strips(writer, appearance_pdf, placement, _right_edges(data))
        yield writer, style
    finally:
        os.unlink(appearance_path)


def _page_rotation(data: bytes, page_index: int) -> int:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    try:
        return page_box(reader.pages[page_index]).rotation
    except READ_ERRORS:
        return 0  # the signing step refuses a damaged page with its own reason


def appearance_upright_on(appearance_pdf: bytes, rotation: int) -> bytes:
    """The seal's one-page PDF turned against the page's /Rotate. A widget's appearance turns
    with the page, so on a page shown turned by 90° the seal would stand on its side; turned
    back here, it is shown upright, as the person placed it. Its box turns too: the
    placement's user-space rectangle has the turned proportions (services/placements.py)."""
    if rotation % 360 == 0:
        return appearance_pdf
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(appearance_pdf), strict=False))
    page = writer.pages[0]
    page.rotate((360 - rotation) % 360)
    page.transfer_rotation_to_content()
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _right_edges(data: bytes) -> list[float]:
    """Right edge of each page's visible box (pypdf resolves boxes inherited from the tree)."""
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    return [page_box(page).right for page in reader.pages]


def _draw_cross_page_strips(writer, appearance_pdf: bytes, placement: Placement, right_edges: list[float]) -> None:
    """骑缝章: page i of n shows slice i of the seal at its right edge, so the pages laid
    side by side reassemble the seal (docs/library-notes.md: verified with pyHanko)."""
    seal_reader = PdfFileReader(io.BytesIO(appearance_pdf))
    media_box = [float(v) for v in seal_reader.root["/Pages"]["/Kids"][0].get_object()["/MediaBox"]]
    seal_width, seal_height = media_box[2] - media_box[0], media_box[3] - media_box[1]
    xobject = writer.import_page_as_xobject(seal_reader)
    page_count = len(right_edges)
    strip = placement.width / page_count
    scale_x, scale_y = placement.width / seal_width, placement.height / seal_height
    for index in range(page_count):
        left_of_strip = right_edges[index] - strip
        clip = f"{left_of_strip:.3f} {placement.y:.3f} {strip:.3f} {placement.height:.3f} re W n"
        shift = f"{scale_x:.5f} 0 0 {scale_y:.5f} {left_of_strip - index * strip:.3f} {placement.y:.3f} cm"
        content = f"q {clip} {shift} /SealhubCrossSeal Do Q"
        stream = writer.add_object(generic.StreamObject(stream_data=content.encode()))
        resources = generic.DictionaryObject(
            {
                generic.NameObject("/XObject"): generic.DictionaryObject(
                    {generic.NameObject("/SealhubCrossSeal"): xobject}
                )
            }
        )
        writer.add_stream_to_page(index, stream, resources=resources)
