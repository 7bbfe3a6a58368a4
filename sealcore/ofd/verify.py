"""Verifying every signature in an OFD file (GB/T 33190 §18, GM/T 0099, GB/T 38540,
GM/T 0031): a pure function over bytes that returns plain data, never raises.

For each signature in each document's Signatures.xml: every Reference's CheckValue against
the file it names (SM3, SHA-256 where the CheckMethod says, SM3 with the signer's Z value for
`1.2.156.10197.1.401.2`); for type Seal the SES_Signature (v4 or GM/T 0031 v1) through
sealcore.national_format — signature value, signer listed in the seal, the maker's
signature and certificate, the seal's validity, the signer certificate at signing time, the
dataHash over the whole Signature.xml as stored, the timestamp — and that Seal.esl is the
seal inside the signature; for type Sign the SignedData over Signature.xml.

VALID only when every signature is valid and nothing it protects changed. Files no signature
protects are listed; the documents and their pages left unprotected make the file INVALID (a
change there would go unseen). An unprotected entry point (OFD.xml) is listed only: its
metadata is not covered, but what it points at must be.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from sealcore import national_format, sm2
from sealcore.ofd import signed_data
from sealcore.ofd.container import DEFAULT_LIMITS, Limits
from sealcore.ofd.errors import OfdError
from sealcore.ofd.package import (
    Document,
    OfdPackage,
    SignatureEntry,
    SignatureFile,
    StampAnnot,
    open_ofd,
    parse_signature_file,
)

VALID = national_format.VALID
INVALID = national_format.INVALID
CANNOT_VERIFY = national_format.CANNOT_VERIFY
NO_SIGNATURES = "no_signatures"

OK = "ok"
CHANGED = "changed"
MISSING = "missing"
UNREADABLE = "unreadable"

SM3_WITH_Z_OID = "1.2.156.10197.1.401.2"
_SM3_NAMES = {"SM3", sm2.SM3_OID, "1.2.156.10197.1.401.1"}
_SHA256_NAMES = {"SHA256", "SHA-256", "2.16.840.1.101.3.4.2.1"}
_SIGNATURE_METHODS = {sm2.SM3_WITH_SM2_OID, signed_data.SM2_SIGN_OID, "SM3WITHSM2", "SM2"}


@dataclass
class ReferenceResult:
    file_ref: str
    path: str
    result: str  # ok | changed | missing | unreadable


@dataclass
class OfdSignatureReport:
    id: str
    type: str
    path: str
    verdict: str = CANNOT_VERIFY
    reasons: list[str] = field(default_factory=list)
    provider: dict[str, str] = field(default_factory=dict)
    signature_method: str = ""
    signature_datetime: str = ""
    check_method: str = ""
    references: list[ReferenceResult] = field(default_factory=list)
    stamp_annots: list[StampAnnot] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)  # 0-based pages showing the seal
    seal_name: str = ""
    seal_es_id: str = ""
    seal_version: int = 0
    seal_picture: bytes = b""
    seal_picture_type: str = ""
    signer: str = ""
    signed_at: dt.datetime | None = None
    property_info: str = ""
    steps: list[national_format.Step] = field(default_factory=list)
    deviations: list[str] = field(default_factory=list)


@dataclass
class OfdVerificationReport:
    sha256: str
    size: int
    verdict: str = CANNOT_VERIFY
    reasons: list[str] = field(default_factory=list)
    detail: str = ""
    signatures: list[OfdSignatureReport] = field(default_factory=list)
    uncovered_files: list[str] = field(default_factory=list)
    page_count: int = 0
    deviations: list[str] = field(default_factory=list)
    kind: str = "ofd"


def verify_ofd(
    data: bytes, *, trust: national_format.Trust, limits: Limits = DEFAULT_LIMITS, at: dt.datetime | None = None
) -> OfdVerificationReport:
    report = OfdVerificationReport(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    try:
        return _verify(data, report, trust, limits, at)
    except OfdError as error:
        report.reasons = [error.code]
        report.detail = str(error)
    except Exception as error:  # noqa: BLE001 - hostile input: whatever a library raises is a verdict
        report.reasons = ["unreadable"]
        report.detail = f"{type(error).__name__}"
    report.verdict = CANNOT_VERIFY
    report.signatures = []
    return report


def _verify(data, report, trust, limits, at) -> OfdVerificationReport:
    package = open_ofd(data, limits)
    report.page_count = sum(len(document.pages) for document in package.documents)
    report.deviations = list(package.deviations)
    covered: set[str] = set()
    lists = {document.signatures_path for document in package.documents if document.signatures_path}
    for document in package.documents:
        for entry in document.signatures:
            signature_report, protected = _verify_entry(package, document, entry, trust, limits, at)
            report.signatures.append(signature_report)
            covered |= protected
    report.uncovered_files = [path for path in package.files if path not in covered and path not in lists]
    _conclude(report, package)
    return report


def _conclude(report: OfdVerificationReport, package: OfdPackage) -> None:
    if not report.signatures:
        report.verdict = NO_SIGNATURES
        return
    verdicts = {signature.verdict for signature in report.signatures}
    if INVALID in verdicts:
        report.verdict = INVALID
        report.reasons.append("a_signature_is_invalid")
    elif CANNOT_VERIFY in verdicts:
        report.verdict = CANNOT_VERIFY
        report.reasons.append("a_signature_cannot_be_verified")
    else:
        report.verdict = VALID
    # What is shown must be protected: each document's root and pages. The entry point is
    # listed when unprotected (a seal vendor's products leave it out) but does not make the
    # file invalid: pointing it at another document makes that document's files unprotected.
    essential = set()
    for document in package.documents:
        essential.add(document.root_path)
        essential.update(page.path for page in document.pages)
    if essential & set(report.uncovered_files):
        report.reasons.append("document_not_protected")
        if report.verdict == VALID:
            report.verdict = INVALID
    elif report.uncovered_files:
        report.reasons.append("files_not_protected")


def _verify_entry(
    package: OfdPackage,
    document: Document,
    entry: SignatureEntry,
    trust: national_format.Trust,
    limits: Limits,
    at: dt.datetime | None,
) -> tuple[OfdSignatureReport, set[str]]:
    report = OfdSignatureReport(id=entry.id, type=entry.type, path=entry.path or entry.base_loc)
    if entry.path is None:
        report.verdict = INVALID
        report.reasons.append("signature_file_missing")
        return report, set()
    try:
        signature = parse_signature_file(package, entry.path, limits)
    except OfdError as error:
        report.reasons.append(error.code)
        report.deviations.append(str(error))
        return report, {entry.path}
    report.provider = signature.provider
    report.signature_method = signature.signature_method
    report.signature_datetime = signature.signature_datetime
    report.check_method = signature.check_method
    report.stamp_annots = signature.stamp_annots
    pages = {page.id: page.index for page in document.pages}
    report.pages = sorted({pages[annot.page_ref] for annot in signature.stamp_annots if annot.page_ref in pages})
    if any(annot.page_ref not in pages for annot in signature.stamp_annots):
        report.deviations.append("a stamp annotation names a page the document does not have")
    protected = {entry.path}
    value = package.files.get(signature.signed_value_path) if signature.signed_value_path else None
    if value is None:
        report.verdict = INVALID
        report.reasons.append("signed_value_missing")
        return report, protected
    protected.add(signature.signed_value_path)
    if entry.type == "Seal":
        signer_key, value_verdict = _seal_value(package, signature, value, report, trust, at)
        if signature.seal_path and report.reasons.count("seal_file_mismatch") == 0:
            protected.add(signature.seal_path)
    elif entry.type == "Sign":
        signer_key, value_verdict = _sign_value(signature, value, report, trust, at)
    else:
        report.reasons.append("unknown_signature_type")
        signer_key, value_verdict = None, CANNOT_VERIFY
    references_verdict = _references(package, signature, signer_key, report)
    protected |= {reference.path for reference in report.references if reference.result == OK}
    if INVALID in (value_verdict, references_verdict):
        report.verdict = INVALID
    elif CANNOT_VERIFY in (value_verdict, references_verdict):
        report.verdict = CANNOT_VERIFY
    else:
        report.verdict = VALID
    return report, protected


def _seal_value(package, signature: SignatureFile, value: bytes, report, trust, at):
    verdict = national_format.verify_signature(value, protected_data=lambda _name: signature.raw, trust=trust, at=at)
    report.steps = verdict.steps
    result = _trust_verdict(verdict.steps, report, prefix="seal_signature_")
    parsed = verdict.signature
    if parsed is None:
        return None, verdict.verdict
    seal = parsed.seal
    report.seal_name = seal.name.strip("\x00")
    report.seal_es_id = seal.es_id
    report.seal_version = seal.version
    report.seal_picture = seal.picture
    report.seal_picture_type = seal.picture_type
    report.signed_at = parsed.signed_at
    report.property_info = parsed.property_info
    if parsed.property_info.strip() not in (signature.path, signature.path.lstrip("/")):
        report.deviations.append(f"propertyInfo {parsed.property_info!r} does not name {signature.path}")
    if signature.seal_location:
        stored = package.files.get(signature.seal_path) if signature.seal_path else None
        if stored != seal.der:
            report.reasons.append("seal_file_mismatch")
            result = INVALID
    signer_key = None
    try:
        certificate = sm2.load_certificate(parsed.signer_certificate)
        signer_key = sm2.certificate_public_key(certificate)
        report.signer = sm2.display_name(certificate.subject)
    except ValueError:
        pass
    return signer_key, result


_TIME_FORMATS = ("%Y%m%d%H%M%SZ", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d%H%M%S")


def _declared_time(text: str) -> dt.datetime | None:
    for pattern in _TIME_FORMATS:
        try:
            moment = dt.datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        # Without a zone the producers we have seen write Beijing time.
        zone = dt.UTC if text.strip().endswith("Z") else dt.timezone(dt.timedelta(hours=8))
        return moment.replace(tzinfo=zone)
    return None


def _sign_value(signature: SignatureFile, value: bytes, report, trust, at):
    """A SignedData over Signature.xml; its certificate judged like a seal signer's."""
    if signed_data.is_bare_signature(value):
        report.reasons.append("signer_certificate_missing")
        report.deviations.append("a bare SM2 signature value without the signer certificate")
        return None, CANNOT_VERIFY
    try:
        parsed = signed_data.parse(value, signature.raw)
    except signed_data.MalformedSignedData as error:
        report.reasons.append("signed_value_malformed")
        report.deviations.append(str(error))
        return None, CANNOT_VERIFY
    if not parsed.signer_certificate:
        report.reasons.append("signer_certificate_missing")
        return None, CANNOT_VERIFY
    try:
        certificate = sm2.load_certificate(parsed.signer_certificate)
    except ValueError:
        report.reasons.append("signer_certificate_malformed")
        return None, CANNOT_VERIFY
    signer_key = sm2.certificate_public_key(certificate)
    report.signer = sm2.display_name(certificate.subject)
    moment = _declared_time(signature.signature_datetime) or at or dt.datetime.now(dt.UTC)
    report.signed_at = moment
    steps = []
    good = signer_key is not None and parsed.algorithm in signed_data.SIGNATURE_ALGORITHMS
    good = good and parsed.digest_ok and sm2.verify(signer_key, parsed.signed_bytes, parsed.signature)
    steps.append(national_format.Step("signature_value", national_format.OK if good else national_format.FAILED))
    steps.append(national_format.signer_certificate_step(certificate, trust, moment))
    report.steps = steps
    return signer_key, _trust_verdict(steps, report, prefix="sign_")


_UNTRUSTED = {national_format.UNTRUSTED_MAKER, national_format.UNTRUSTED_SIGNER}


def _trust_verdict(steps: list[national_format.Step], report: OfdSignatureReport, *, prefix: str) -> str:
    """INVALID when a step failed; CANNOT_VERIFY when all that failed is that nobody we trust
    vouches for the maker or the signer (as for a PDF signed under an unknown root)."""
    failed = [step for step in steps if step.result == national_format.FAILED]
    if not failed:
        return VALID
    if failed[0].name in ("structure", "version"):
        report.reasons.append(f"{prefix}{failed[0].name}")
        return CANNOT_VERIFY
    if all(step.detail in _UNTRUSTED for step in failed):
        report.reasons.append("untrusted_signer")
        return CANNOT_VERIFY
    report.reasons += [f"{prefix}{step.name}" for step in failed if step.detail not in _UNTRUSTED]
    return INVALID


def _references(package: OfdPackage, signature: SignatureFile, signer_key: bytes | None, report) -> str:
    method = signature.check_method.strip()
    name = method.upper()
    if name in _SM3_NAMES or method in _SM3_NAMES:
        digest = sm2.sm3
    elif name in _SHA256_NAMES:
        digest = _sha256
    elif method == SM3_WITH_Z_OID and signer_key is not None:
        prefix = sm3_z(signer_key)
        report.deviations.append("CheckMethod 1.2.156.10197.1.401.2: SM3 over the signer's Z value and the file")

        def digest(data: bytes) -> bytes:
            return sm2.sm3(prefix + data)

    else:
        report.reasons.append("unknown_check_method" if method else "no_check_method")
        report.references = [ReferenceResult(ref.file_ref, ref.path or "", UNREADABLE) for ref in signature.references]
        return CANNOT_VERIFY
    verdict = VALID
    for reference in signature.references:
        if reference.path is None:
            result = MISSING
        elif reference.check_value is None:
            result = UNREADABLE
        elif digest(package.files[reference.path]) != reference.check_value:
            result = CHANGED
        else:
            result = OK
        report.references.append(ReferenceResult(reference.file_ref, reference.path or "", result))
    results = {item.result for item in report.references}
    if CHANGED in results or MISSING in results:
        report.reasons.append("protected_file_changed" if CHANGED in results else "protected_file_missing")
        verdict = INVALID
    elif UNREADABLE in results:
        report.reasons.append("check_value_unreadable")
        verdict = CANNOT_VERIFY
    return verdict


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


_SM2_A = bytes.fromhex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC")
_SM2_B = bytes.fromhex("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93")
_SM2_GX = bytes.fromhex("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7")
_SM2_GY = bytes.fromhex("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0")


def sm3_z(public_key: bytes, signer_id: bytes = b"1234567812345678") -> bytes:
    """Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) (GB/T 32918.2), the default signer id."""
    entl = (len(signer_id) * 8).to_bytes(2, "big")
    return sm2.sm3(entl + signer_id + _SM2_A + _SM2_B + _SM2_GX + _SM2_GY + public_key)
