"""Verification of any uploaded PDF, `.esl` seal or OFD file against the platform PKI (trust
roots, CRL and the SM2 seal maker)."""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import logging
import os
import re
from dataclasses import asdict

from asn1crypto import pem
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError
from documents.pdf.limits import LimitExceeded, run_limited
from documents.pdf.national import NationalReport, NationalStepReport
from documents.pdf.verify import CANNOT_VERIFY, VerificationReport, verify_file
from sealcore import sm2
from sealcore.national_format import FAILED, OK, Trust
from sealcore.ofd.package import is_ofd
from sealcore.ofd.verify import CHANGED, MISSING, OfdVerificationReport, verify_ofd
from seals import pki
from seals.models import Seal

logger = logging.getLogger(__name__)

REASONS = {
    "not_pdf": _("This file is not a PDF."),
    "encrypted": _("The PDF is password-protected; it cannot be checked."),
    "malformed": _("The PDF is damaged and cannot be read."),
    "unsupported_signature": _("The file has a signature in a format that cannot be checked."),
    "a_signature_is_invalid": _("At least one signature is not valid."),
    "unreadable_signature": _("The signature data is damaged."),
    "content_changed": _("The document was changed after this signature."),
    "signature_broken": _("The signature does not match the signer's certificate."),
    "certificate_revoked": _("The signer's certificate has been revoked."),
    "bytes_after_signature": _("Data was added to the file after the last signature."),
    "disallowed_changes_after_signature": _("Changes made after this signature are not allowed."),
    "untrusted_signer": _("The signer's certificate does not come from a trusted authority."),
    "form_field_changed": _("A form field was changed after this signature."),
    "limit_time": _("Checking this file took too long; it was stopped."),
    "limit_memory": _("Checking this file needed too much memory; it was stopped."),
    "limit_crash": _("This file could not be checked."),
    "a_national_signature_is_invalid": _("At least one SM2 signature (GB/T 38540) is not valid."),
    "a_national_signature_is_unreadable": _("An SM2 signature (GB/T 38540) in the file cannot be read."),
    "national_seal_invalid": _("The electronic seal (GB/T 38540) is not valid."),
    "national_seal_unreadable": _("The file is not an electronic seal that can be read."),
    "ofd_unreadable": _("The OFD file is damaged or unsafe to open; it cannot be checked."),
    "a_signature_cannot_be_verified": _("At least one signature cannot be verified."),
    "document_not_protected": _("Parts of the document are not protected by any signature."),
    "files_not_protected": _("Some files in the OFD package are not protected by any signature."),
}
# Reasons of the OFD verifier shown as they are; any other (a container or XML error) is
# "ofd_unreadable".
OFD_REASONS = {
    "a_signature_is_invalid",
    "a_signature_cannot_be_verified",
    "document_not_protected",
    "files_not_protected",
}
# The verification sequence of GB/T 38540, one label per step.
NATIONAL_STEPS = {
    "structure": _("The seal data can be read"),
    "version": _("The format version is known"),
    "signature_value": _("Signature value (SM2)"),
    "signer_listed": _("The signer's certificate is listed in the seal"),
    "maker_signature": _("The seal maker's signature"),
    "maker_certificate": _("The seal maker's certificate"),
    "seal_validity": _("The seal's validity period"),
    "signer_certificate": _("The signer's certificate: validity and revocation"),
    "document_hash": _("Document hash (SM3)"),
    "timestamp": _("Timestamp"),
    "references": _("Protected files unchanged (OFD CheckValue)"),
    "seal_file": _("The seal file is the seal that signed"),
}
NATIONAL_RESULTS = {"ok": _("Passed"), "failed": _("Failed"), "skipped": _("Not checked")}
MODIFICATIONS = {
    "NONE": _("None"),
    "LTA_UPDATES": _("Only validation data added"),
    "FORM_FILLING": _("Form fields filled or later signatures"),
    "ANNOTATIONS": _("Annotations added"),
    "OTHER": _("Other changes"),
    "UNKNOWN": _("Unknown"),
    "APPENDED": _("Data appended after this signature"),
}
VERDICTS = {
    "valid": _("Signatures valid"),
    "invalid": _("Not valid"),
    "cannot_verify": _("Cannot be verified"),
    "no_signatures": _("No signatures"),
}


PEM_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


@functools.lru_cache(maxsize=4)
def _trusted_ca_file(path: str, changed_at: float) -> tuple[tuple[bytes, ...], int]:
    """(DER of every certificate in the PEM bundle that parses, how many were skipped).
    One bad entry is skipped with a warning, never the whole bundle (nor every request)."""
    with open(path, "rb") as handle:
        blocks = PEM_CERTIFICATE.findall(handle.read())
    loaded, skipped = [], 0
    for number, block in enumerate(blocks, 1):
        try:
            certificate = x509.load_pem_x509_certificate(block)
            loaded.append(certificate.public_bytes(serialization.Encoding.DER))
        except ValueError as error:
            skipped += 1
            logger.warning("TRUSTED_CA_FILE %s: certificate %d cannot be read and is skipped (%s)", path, number, error)
    return tuple(loaded), skipped


def trusted_ca_status() -> dict | None:
    """What TRUSTED_CA_FILE gave (for /healthz and start-up): certificates loaded and
    skipped; None when there is no such file."""
    path = settings.TRUSTED_CA_FILE
    if not path:
        return None
    try:
        loaded, skipped = _trusted_ca_file(path, os.stat(path).st_mtime)
    except OSError as error:
        logger.warning("TRUSTED_CA_FILE %s cannot be read (%s); only the platform root is trusted", path, error)
        return {"loaded": 0, "skipped": 0, "error": "unreadable"}
    return {"loaded": len(loaded), "skipped": skipped}


def trust_roots() -> list[bytes]:
    """The platform root, plus the CAs listed in TRUSTED_CA_FILE (PEM bundle), as DER: they
    travel to the verification process, and asn1crypto objects do not survive pickling
    into a process that never set up their classes."""
    roots = [pki.certificate(pki.Role.ROOT).public_bytes(serialization.Encoding.DER)]
    if settings.TRUSTED_CA_FILE:
        with contextlib.suppress(OSError):  # said at start-up and in /healthz (trusted_ca_status)
            roots += _trusted_ca_file(settings.TRUSTED_CA_FILE, os.stat(settings.TRUSTED_CA_FILE).st_mtime)[0]
    return roots


def national_trust() -> Trust:
    """The platform's SM2 seal maker, its TSA, and the SM2 certificates of seals that are
    revoked or suspended."""
    revoked = {}
    rows = Seal.objects.filter(status__in=list(pki.REASONS)).exclude(sm2_certificate_pem="")
    for certificate_pem, changed_at in rows.values_list("sm2_certificate_pem", "status_changed_at"):
        serial = sm2.load_certificate(pem.unarmor(certificate_pem.encode())[2]).serial_number
        revoked[serial] = changed_at or timezone.now()
    tsa = pki.certificate(pki.Role.TSA).public_bytes(serialization.Encoding.DER)
    return Trust(makers=[pki.sm2_maker_certificate().dump()], revoked=revoked, timestamp_authorities=[tsa])


def document_verify(*, data: bytes, appearances: bool = True) -> VerificationReport:
    """Verification runs in a child process with a time and memory limit: a hostile file
    gets "cannot verify", never a hung or crashed web process. A PDF's SM2 signatures
    (GB/T 38540) are checked too, and an `.esl` seal file on its own."""
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ApplicationError(_("The file is too large to check here."), "file_too_large", status=413, field="file")
    if is_ofd(data):
        return _ofd_verify(data)
    roots, crls = trust_roots(), [pki.seal_ca_crl_der()]
    try:
        return run_limited(
            verify_file,
            data,
            trust_roots=roots,
            crls=crls,
            national_trust=national_trust(),
            appearances=appearances,
            seconds=settings.VERIFY_TIME_LIMIT_SECONDS,
            memory_mb=settings.VERIFY_MEMORY_LIMIT_MB,
        )
    except LimitExceeded as exceeded:
        report = VerificationReport(sha256=hashlib.sha256(data).hexdigest(), size=len(data), verdict=CANNOT_VERIFY)
        report.reasons.append(f"limit_{exceeded.what}")
        return report


def _ofd_verify(data: bytes) -> VerificationReport:
    try:
        ofd = run_limited(
            verify_ofd,
            data,
            trust=national_trust(),
            seconds=settings.VERIFY_TIME_LIMIT_SECONDS,
            memory_mb=settings.VERIFY_MEMORY_LIMIT_MB,
        )
    except LimitExceeded as exceeded:
        report = VerificationReport(sha256=hashlib.sha256(data).hexdigest(), size=len(data), verdict=CANNOT_VERIFY)
        report.reasons.append(f"limit_{exceeded.what}")
        report.kind = "ofd"
        return report
    return ofd_report(ofd)


def ofd_report(ofd: OfdVerificationReport) -> VerificationReport:
    """An OFD verification in the shape of the PDF report: each OFD signature as a national
    (GB/T 38540) report, its CheckValues and seal file as two more steps."""
    report = VerificationReport(sha256=ofd.sha256, size=ofd.size, verdict=ofd.verdict, kind="ofd")
    report.reasons = [reason if reason in OFD_REASONS else "ofd_unreadable" for reason in ofd.reasons]
    for signature in ofd.signatures:
        changed = [item.path or item.file_ref for item in signature.references if item.result in (CHANGED, MISSING)]
        checked = bool(signature.references) and all(item.result == "ok" for item in signature.references)
        references = NationalStepReport(
            "references", OK if checked else FAILED if changed else "skipped", ", ".join(changed)[:500]
        )
        steps = [references] + [NationalStepReport(step.name, step.result, step.detail) for step in signature.steps]
        if "seal_file_mismatch" in signature.reasons:
            steps.append(NationalStepReport("seal_file", FAILED))
        failed = next((step.name for step in steps if step.result == FAILED), "")
        report.national.append(
            NationalReport(
                kind="signature",
                field_name=signature.path,
                verdict=signature.verdict,
                failed_step=failed,
                version=signature.seal_version or None,
                seal_name=signature.seal_name,
                es_id=signature.seal_es_id,
                signer=signature.signer,
                signed_at=signature.signed_at,
                property_info=signature.property_info,
                steps=steps,
            )
        )
    return report


def report_as_dict(report: VerificationReport) -> dict:
    data = asdict(report)
    data["verdict_label"] = str(VERDICTS[report.verdict])
    data["reason_messages"] = [str(REASONS.get(reason, reason)) for reason in report.reasons]
    # A later signature's field is named as the page numbers it ("Signature 2"), never by the
    # internal field name ("Seal-3701000000018-…"); other form fields keep their names.
    numbers = {raw.field_name: number for number, raw in enumerate(report.signatures, start=1)}
    for signature, raw in zip(data["signatures"], report.signatures, strict=True):
        signature.pop("appearance_png", None)
        signature["appearance_data_uri"] = (
            "data:image/png;base64," + base64.b64encode(raw.appearance_png).decode() if raw.appearance_png else ""
        )
        signature["verdict_label"] = str(VERDICTS[raw.verdict])
        signature["modification_label"] = str(MODIFICATIONS.get(raw.modification_level, raw.modification_level))
        signature["changed_field_labels"] = [
            _("Signature %(number)s") % {"number": numbers[name]} if name in numbers else f"“{name}”"
            for name in raw.changed_fields
        ]
        signature["reason_messages"] = [str(REASONS.get(reason, reason)) for reason in raw.reasons]
    for item in data["national"]:
        item["verdict_label"] = str(VERDICTS.get(item["verdict"], item["verdict"]))
        item["failed_step_label"] = str(NATIONAL_STEPS.get(item["failed_step"], item["failed_step"]))
        for step in item["steps"]:
            step["label"] = str(NATIONAL_STEPS.get(step["name"], step["name"]))
            step["result_label"] = str(NATIONAL_RESULTS.get(step["result"], step["result"]))
    return data
