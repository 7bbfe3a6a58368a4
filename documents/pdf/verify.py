"""A trustworthy verdict for any PDF (pure function over bytes; DESIGN "Verification rules").

VALID only if every signature is intact and cryptographically valid, chains to a trusted
root, the newest signature covers the whole file byte for byte, and later revisions only
make allowed changes. Malformed input is CANNOT_VERIFY, never an exception.

Long-term: nothing is fetched. Certificates and revocation data come from the file (its
DSS) and from the caller (trusted roots, the platform's current CRLs). A signature with a
trusted timestamp is judged at the timestamp's time (valid then, proven by the timestamp):
its certificate may have expired since, or been revoked after it, and it still counts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

import pypdfium2
from asn1crypto import core as asn1_core
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509 as crypto_x509
from PIL import Image  # noqa: F401  (pypdfium2's to_pil needs it)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from documents.pdf.lta import archive_proof
from documents.pdf.national import national_seal_report, national_signature_reports
from documents.pdf.structure import quiet_library_tracebacks
from sealcore.pdfium import PDFIUM_LOCK, bitmap_png

VALID = "valid"
INVALID = "invalid"
CANNOT_VERIFY = "cannot_verify"
NO_SIGNATURES = "no_signatures"

ALLOWED_AFTER_SIGNING = {"NONE", "LTA_UPDATES", "FORM_FILLING"}
# The newest signature does not cover the whole file: the modification row says so too.
APPENDED = "APPENDED"
TRAILING_AFTER_EOF = re.compile(rb"%%EOF\s*\Z")

quiet_library_tracebacks()


@dataclass
class SignatureReport:
    field_name: str
    kind: str = "signature"  # or "document_timestamp" (closes an envelope)
    signer: str = ""
    organisation: str = ""
    uscc: str = ""
    seal_code: str = ""
    issuer: str = ""
    serial: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    signing_time: datetime | None = None
    timestamp_time: datetime | None = None
    timestamp_authority: str = ""
    algorithm: str = ""
    intact: bool = False
    cryptographically_valid: bool = False
    trusted: bool = False
    revoked: bool = False
    revoked_later: bool = False  # revoked after the timestamp: the signature still counts
    # Valid at its timestamp's time, by the timestamp's proof (the certificate may have
    # expired or been revoked since).
    proven_by_timestamp: bool = False
    # B-LT: the file itself holds the chains and revocation data to validate this signature
    # (and its timestamp) at its time, offline, with nothing else.
    long_term: bool = False
    # PAdES B-LTA: the chain of archive timestamps after it proves the signature (pyHanko's
    # AdES LTA validation, offline), also after every certificate involved has expired.
    archive_proof: bool = False
    archive_timestamps: int = 0
    covers_whole_file: bool = False
    coverage: str = ""
    modification_level: str = ""
    changed_fields: list[str] = field(default_factory=list)
    appearance_png: bytes = b""  # what the signature shows on the page (the seal), if visible
    verdict: str = CANNOT_VERIFY
    reasons: list[str] = field(default_factory=list)


@dataclass
class VerificationReport:
    sha256: str
    size: int
    verdict: str
    reasons: list[str] = field(default_factory=list)
    signatures: list[SignatureReport] = field(default_factory=list)
    national: list = field(default_factory=list)  # documents/pdf/national.py NationalReport
    kind: str = "pdf"  # or "national_seal" for an .esl file


def verify_file(
    data: bytes, *, trust_roots: list, crls: list[bytes] | None = None, national_trust=None, appearances: bool = True
):
    """A PDF (PAdES signatures, plus any SM2 signatures in the national format) or an
    `.esl` seal file (GB/T 38540 / GM/T 0031), told apart by their first bytes."""
    if national_trust is not None and data[:1] == b"\x30" and b"%PDF-" not in data[:1024]:
        return plain_data(verify_national_seal_file(data, national_trust))
    report = verify_pdf(data, trust_roots=trust_roots, crls=crls, appearances=appearances)
    if national_trust is not None and report.verdict not in (NO_SIGNATURES,) and "malformed" not in report.reasons:
        _add_national_signatures(data, report, national_trust)
    return plain_data(report)


def plain_data(value):
    """The report as plain Python data (str, int, bool, bytes, datetime, None and lists and
    dataclasses of them), in place: library objects that merely behave like strings (a
    pyHanko text object for a field name) do not survive the trip back from the sandbox."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            setattr(value, item.name, plain_data(getattr(value, item.name)))
        return value
    if value is None or type(value) in (bool, int, float, str, bytes, datetime):
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, datetime):
        return dt.datetime.fromtimestamp(value.timestamp(), dt.UTC) if value.tzinfo else value.replace()
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain_data(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain_data(item) for key, item in value.items()}
    return str(value)


def verify_national_seal_file(data: bytes, national_trust) -> VerificationReport:
    report = VerificationReport(
        sha256=hashlib.sha256(data).hexdigest(), size=len(data), verdict=CANNOT_VERIFY, kind="national_seal"
    )
    seal = national_seal_report(data, national_trust)
    report.national.append(seal)
    report.verdict = seal.verdict
    if seal.verdict != VALID:
        report.reasons.append("national_seal_invalid" if seal.verdict == INVALID else "national_seal_unreadable")
    return report


def _add_national_signatures(data: bytes, report: VerificationReport, national_trust) -> None:
    """An SM2 signature that fails makes the whole file fail, like a PAdES one would."""
    report.national = national_signature_reports(data, national_trust)
    verdicts = {item.verdict for item in report.national}
    if INVALID in verdicts:
        report.reasons.append("a_national_signature_is_invalid")
        report.verdict = INVALID
    elif CANNOT_VERIFY in verdicts:
        report.reasons.append("a_national_signature_is_unreadable")
        if report.verdict == VALID:
            report.verdict = CANNOT_VERIFY


def _name_part(name, oid) -> str:
    try:
        return str(name.native.get(oid, "") or "")
    except Exception:  # unusual encodings: show nothing rather than fail the report
        return ""


def verify_pdf(
    data: bytes, *, trust_roots: list, crls: list[bytes] | None = None, appearances: bool = True
) -> VerificationReport:
    """`trust_roots`: DER or asn1crypto certificates; `crls`: DER CRLs for revocation checks;
    `appearances`: crop each visible signature from the rendered page (half the time)."""
    trust_roots = [asn1_x509.Certificate.load(root) if isinstance(root, bytes) else root for root in trust_roots]
    report = VerificationReport(sha256=hashlib.sha256(data).hexdigest(), size=len(data), verdict=CANNOT_VERIFY)
    try:
        if b"%PDF-" not in data[:1024]:
            report.reasons.append("not_pdf")
            return report
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            report.reasons.append("encrypted")
            return report
        signed_fields = _signature_fields_with_values(reader)
        signature_field_names = _signature_field_names(reader)
    except Exception:  # any parse failure is "cannot verify", never a crash
        report.reasons.append("malformed")
        return report
    try:
        signatures = list(reader.embedded_signatures)
    except Exception:  # signature data pyHanko cannot read; an empty field is not "damaged"
        if not signed_fields:
            report.verdict = NO_SIGNATURES
            return report
        report.reasons.append("malformed")
        return report
    if len(signed_fields) > len(signatures):
        # A signature value pyHanko cannot evaluate (e.g. a legacy SubFilter) must not
        # disappear from the report (docs/library-notes.md).
        report.reasons.append("unsupported_signature")
    if not signatures:
        report.verdict = NO_SIGNATURES if not signed_fields else CANNOT_VERIFY
        return report
    embedded = _embedded_data(reader)
    for index, signature in enumerate(signatures):
        report.signatures.append(
            _check_signature(
                signature,
                trust_roots,
                crls or [],
                embedded=embedded,
                newest=index == len(signatures) - 1,
                signature_fields=set(signature_field_names),
            )
        )
    if appearances:
        _attach_appearances(data, reader, signatures, report.signatures)
    verdicts = [item.verdict for item in report.signatures]
    if INVALID in verdicts:
        report.verdict = INVALID
        report.reasons.append("a_signature_is_invalid")
    elif CANNOT_VERIFY in verdicts or "unsupported_signature" in report.reasons:
        report.verdict = CANNOT_VERIFY
    else:
        report.verdict = VALID
    return report


@dataclass(frozen=True)
class _EmbeddedData:
    """Certificates and revocation data in the file's DSS (empty when there is none)."""

    certs: list
    ocsps: list
    crls: list


def _embedded_data(reader) -> _EmbeddedData:
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        embedded = _EmbeddedData(
            certs=list(dss.load_certs()),
            ocsps=[asn1_ocsp.OCSPResponse.load(ref.get_object().data) for ref in dss.ocsps],
            crls=[asn1_crl.CertificateList.load(ref.get_object().data) for ref in dss.crls],
        )
    except Exception:  # no DSS, or one that does not parse: nothing embedded to use
        embedded = _EmbeddedData([], [], [])
    return embedded


def _context(trust_roots, crls, embedded: _EmbeddedData, *, moment=None, mode: str = "soft-fail"):
    """Offline: the caller's roots and CRLs plus what the file embeds. At `moment` (a
    timestamp's time), revocation data issued after it counts (B-LT data is gathered
    just after signing)."""
    return ValidationContext(
        trust_roots=trust_roots,
        other_certs=embedded.certs,
        crls=[*crls, *embedded.crls],
        ocsps=embedded.ocsps,
        allow_fetching=False,
        revocation_mode=mode,
        moment=moment,
        retroactive_revinfo=moment is not None,
    )


def _long_term_data_embedded(signature, trust_roots, embedded: _EmbeddedData, *, moment, document_timestamp: bool):
    """Whether the file alone validates the signature (and its timestamp) at `moment`:
    revocation data required for every certificate below a root, from the DSS only."""
    if moment is None or not (embedded.ocsps or embedded.crls):
        return False
    try:
        context = _context(trust_roots, [], embedded, moment=moment, mode="require")
        if document_timestamp:
            status = validate_pdf_timestamp(signature, validation_context=context)
            return bool(status.intact and status.valid and status.trusted)
        status = validate_pdf_signature(signature, context)
        stamp = status.timestamp_validity
        return bool(status.bottom_line and stamp is not None and stamp.trusted)
    except Exception:  # whatever stops the strict check: the data is not all there
        return False


def _check_archive_chain(item: SignatureReport, signature, trust_roots, crls) -> None:
    try:
        proof = archive_proof(signature, trust_roots, crls)
    except Exception:  # whatever stops the procedure: no proof through the chain
        return
    item.archive_proof, item.archive_timestamps = proof.valid, proof.archive_timestamps


def _signature_field_names(reader) -> list[str]:
    return [name for name, _value, _ref in enumerate_sig_fields(reader)]


def _signature_fields_with_values(reader) -> list[str]:
    return [name for name, value, _ref in enumerate_sig_fields(reader, filled_status=True) if value is not None]


def _check_signature(
    signature,
    trust_roots,
    crls,
    *,
    newest: bool,
    signature_fields: set[str] = frozenset(),
    embedded: _EmbeddedData | None = None,
) -> SignatureReport:
    item = SignatureReport(field_name=str(signature.field_name))
    embedded = embedded if embedded is not None else _embedded_data(signature.reader)
    if signature.sig_object_type == "/DocTimeStamp":
        return _check_document_timestamp(signature, item, trust_roots, crls, newest=newest, embedded=embedded)
    try:
        # Today: what the caller knows now (current CRLs); the file's revocation data is as
        # old as the signature and says nothing about today.
        today = _EmbeddedData(embedded.certs, [], [])
        status = _judged_at_timestamp_time(signature, trust_roots, crls, embedded, _context(trust_roots, crls, today))
        proven_moment = None
        if status is not None:
            proven_moment = status.timestamp_validity.timestamp
            item.proven_by_timestamp = bool(status.bottom_line)
        else:
            status = validate_pdf_signature(signature, _context(trust_roots, crls, today))
            stamp = status.timestamp_validity
            if _stamp_trusted(stamp):
                # Judged at signing time, proven by the timestamp: a certificate that expired
                # since, or was revoked after the timestamp, keeps the signature good; one
                # revoked before it does not.
                proven_moment = stamp.timestamp
                revoked_today = bool(getattr(status, "revoked", False))
                if revoked_today:  # the issuer's word today on when: it outweighs older answers in the file
                    status = validate_pdf_signature(signature, _context(trust_roots, crls, today, moment=proven_moment))
                if not getattr(status, "revoked", False):
                    then = _context(trust_roots, crls, embedded, moment=proven_moment)
                    status = validate_pdf_signature(signature, then)
                    item.revoked_later = revoked_today and not getattr(status, "revoked", False)
                    item.proven_by_timestamp = bool(status.bottom_line)
        if proven_moment is not None:
            item.long_term = _long_term_data_embedded(
                signature, trust_roots, embedded, moment=proven_moment, document_timestamp=False
            )
            _check_archive_chain(item, signature, trust_roots, crls)
    except Exception:  # broken CMS, bad byte ranges, exhausted parsers: report, do not raise
        item.reasons.append("unreadable_signature")
        item.verdict = INVALID
        return item
    certificate = status.signing_cert
    if certificate is not None:
        subject = certificate.subject
        item.signer = subject.human_friendly
        item.organisation = _name_part(subject, "organization_name")
        item.uscc = _name_part(subject, "organization_identifier")
        item.seal_code = _name_part(subject, "serial_number")
        item.issuer = certificate.issuer.human_friendly
        item.serial = f"{certificate.serial_number:X}"
        item.valid_from = certificate["tbs_certificate"]["validity"]["not_before"].native
        item.valid_until = certificate["tbs_certificate"]["validity"]["not_after"].native
    item.signing_time = status.signer_reported_dt
    if status.timestamp_validity is not None:
        item.timestamp_time = status.timestamp_validity.timestamp
        tsa = status.timestamp_validity.signing_cert
        item.timestamp_authority = tsa.subject.human_friendly if tsa is not None else ""
    item.algorithm = f"{status.pkcs7_signature_mechanism} / {status.md_algorithm}"
    item.intact = bool(status.intact)
    item.cryptographically_valid = bool(status.valid)
    item.trusted = bool(getattr(status, "trusted", False))
    item.revoked = bool(getattr(status, "revoked", False))
    item.coverage = status.coverage.name.lower() if status.coverage is not None else ""
    level = status.modification_level
    item.modification_level = level.name if level is not None else "UNKNOWN"
    item.covers_whole_file = _covers_whole_file(item, signature.reader)
    diff = status.diff_result
    item.changed_fields = sorted(getattr(diff, "changed_form_fields", []) or [])

    # Later signers fill their own signature fields; any other field changing after this
    # signature (a value replaced, a "shadow" field switched on) makes it invalid.
    other_fields = [name for name in item.changed_fields if name not in signature_fields]
    return _verdict(
        item,
        newest=newest,
        docmdp_ok=status.docmdp_ok is not False,
        other_fields=bool(other_fields),
    )


def _stamp_trusted(stamp) -> bool:
    return stamp is not None and bool(stamp.intact and stamp.valid and stamp.trusted)


def _judged_at_timestamp_time(signature, trust_roots, crls, embedded: _EmbeddedData, today):
    """The usual case in one validation instead of two: the signer judged at the time its
    timestamp claims (with the file's revocation data), the timestamp itself judged today.
    It stands only if the timestamp proves that time and none of the certificates that can
    form the signer's chain is on a caller's CRL, the only thing that could have revoked
    it today; otherwise None, and the caller takes the long way (today first, then at the
    timestamp's time), which gives the same verdict."""
    claimed = _claimed_timestamp_time(signature)
    if claimed is None:
        return None
    chain_candidates = [signature.signer_cert, *signature.other_embedded_certs, *embedded.certs]
    if _serial_on_a_crl(crls, chain_candidates):
        return None
    then = _context(trust_roots, crls, embedded, moment=claimed)
    status = validate_pdf_signature(signature, then, ts_validation_context=today)
    stamp = status.timestamp_validity
    if not _stamp_trusted(stamp) or stamp.timestamp != claimed:
        return None
    return status


def _claimed_timestamp_time(signature) -> datetime | None:
    """The time in the signature's first timestamp token, not yet validated."""
    try:
        attributes = signature.signer_info["unsigned_attrs"]
        for attribute in [] if isinstance(attributes, asn1_core.Void) else attributes:
            if attribute["type"].native == "signature_time_stamp_token":
                token = attribute["values"][0]["content"]
                return token["encap_content_info"]["content"].parsed["gen_time"].native
    except (KeyError, ValueError, TypeError, AttributeError):
        return None
    return None


def _serial_on_a_crl(crls: list[bytes], certificates) -> bool:
    """Whether a serial number of `certificates` is listed on one of the CRLs, whoever the
    issuer (a coincidence only costs the full check). A CRL that does not parse counts as
    listing them all."""
    serials = {certificate.serial_number for certificate in certificates}
    for data in crls:
        try:
            revocation_list = crypto_x509.load_der_x509_crl(data)
        except ValueError:
            return True
        if any(revocation_list.get_revoked_certificate_by_serial_number(serial) for serial in serials):
            return True
    return False


def _covers_whole_file(item: SignatureReport, reader) -> bool:
    """The one rule for what may follow a signature or document timestamp and still count as
    the whole file: nothing (pyHanko's ENTIRE_FILE), or only complete revisions that add
    validation data and document timestamps (PAdES B-LT/B-LTA; pyHanko's LTA_UPDATES), the
    last of them ending the file. Bytes after the last revision's %%EOF, or a revision
    doing anything else, are data added after the signature."""
    if item.coverage == "entire_file":
        return True
    if item.coverage != "entire_revision" or item.modification_level != "LTA_UPDATES":
        return False
    return _last_revision_ends_the_file(reader)


def _last_revision_ends_the_file(reader) -> bool:
    """After the last cross-reference section only its trailer, one startxref and one
    %%EOF: appended objects, or a second end-of-file hidden in them, are not a revision."""
    try:
        xrefs = reader.xrefs
        last = xrefs.get_xref_container_info(xrefs.total_revisions - 1)
        reader.stream.seek(last.end_location)
        tail = reader.stream.read()
    except Exception:  # a file whose structure cannot be walked does not end cleanly
        return False
    return tail.count(b"%%EOF") == 1 and tail.count(b"startxref") == 1 and TRAILING_AFTER_EOF.search(tail) is not None


def _verdict(
    item: SignatureReport,
    *,
    newest: bool,
    docmdp_ok: bool = True,
    other_fields: bool = False,
):
    """The rules of DESIGN "Verification rules", the same for signatures and timestamps.
    The newest signature or timestamp covers the whole file (`_covers_whole_file`)."""
    if not item.intact:
        item.reasons.append("content_changed")
    if not item.cryptographically_valid:
        item.reasons.append("signature_broken")
    if item.revoked:
        item.reasons.append("certificate_revoked")
    if item.modification_level not in ALLOWED_AFTER_SIGNING or not docmdp_ok:
        item.reasons.append("disallowed_changes_after_signature")
    if newest and not item.covers_whole_file:
        item.reasons.append("bytes_after_signature")
        if item.modification_level in ("NONE", "UNKNOWN", ""):
            item.modification_level = APPENDED  # the detail row says what the verdict says
    if other_fields:
        item.reasons.append("form_field_changed")
    if item.reasons:
        item.verdict = INVALID
    elif not item.trusted:
        item.reasons.append("untrusted_signer")
        item.verdict = CANNOT_VERIFY
    else:
        item.verdict = VALID
    return item


def _check_document_timestamp(
    signature,
    item: SignatureReport,
    trust_roots,
    crls,
    *,
    newest: bool,
    embedded: _EmbeddedData,
) -> SignatureReport:
    """A PAdES document timestamp: the TSA vouches that the whole file existed as it is."""
    item.kind = "document_timestamp"
    try:
        status = validate_pdf_timestamp(signature, validation_context=_context(trust_roots, crls, embedded))
        item.long_term = _long_term_data_embedded(
            signature, trust_roots, embedded, moment=status.timestamp, document_timestamp=True
        )
    except Exception:  # as for signatures: report, never raise
        item.reasons.append("unreadable_signature")
        item.verdict = INVALID
        return item
    tsa = status.signing_cert
    item.signer = item.timestamp_authority = tsa.subject.human_friendly if tsa is not None else ""
    item.issuer = tsa.issuer.human_friendly if tsa is not None else ""
    item.timestamp_time = status.timestamp
    item.algorithm = f"{status.pkcs7_signature_mechanism} / {status.md_algorithm}"
    item.intact, item.cryptographically_valid = bool(status.intact), bool(status.valid)
    item.trusted = bool(getattr(status, "trusted", False))
    item.coverage = status.coverage.name.lower() if status.coverage is not None else ""
    level = status.modification_level
    item.modification_level = level.name if level is not None else "UNKNOWN"
    item.covers_whole_file = _covers_whole_file(item, signature.reader)
    return _verdict(item, newest=newest)


def _widget_location(signature, page_refs: list) -> tuple[int, list[float]] | None:
    """(page index, rectangle) of a signature's visible widget, or None if invisible."""
    field_dict = signature.sig_field
    widgets = [field_dict] if "/Rect" in field_dict else [kid.get_object() for kid in field_dict.get("/Kids", [])]
    for widget in widgets:
        rect = [float(v) for v in widget.get("/Rect", [0, 0, 0, 0])]
        page_ref = widget.raw_get("/P") if "/P" in widget else None
        if rect[2] - rect[0] > 1 and rect[3] - rect[1] > 1 and page_ref in page_refs:
            return page_refs.index(page_ref), rect
    return None


def _attach_appearances(data: bytes, reader, signatures, items: list[SignatureReport]) -> None:
    """Crop each visible signature from the rendered page, so the report shows the seal."""
    try:
        page_refs = [
            reader.find_page_for_modification(index)[0] for index in range(int(reader.root["/Pages"]["/Count"]))
        ]
        with PDFIUM_LOCK:
            document = pypdfium2.PdfDocument(data)
            try:
                document.init_forms()
                for signature, item in zip(signatures, items, strict=True):
                    location = _widget_location(signature, page_refs)
                    if location is None:
                        continue
                    page_index, (left, bottom, right, top) = location
                    page = document[page_index]
                    page_left, page_bottom, page_right, page_top = page.get_cropbox()
                    # Only the signature's box is rendered (pdfium crops before drawing), not
                    # the whole page at twice its size: that was most of a verification's time.
                    crop = (
                        max(0.0, left - page_left),
                        max(0.0, bottom - page_bottom),
                        max(0.0, page_right - right),
                        max(0.0, page_top - top),
                    )
                    item.appearance_png = bitmap_png(page.render(scale=2.0, crop=crop, may_draw_forms=True), quick=True)
            finally:
                document.close()
    except Exception:  # a picture is a courtesy: never let it change the verdict
        return
