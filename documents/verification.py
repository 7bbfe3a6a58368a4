"""Verification of any uploaded PDF against the platform PKI (trust roots and CRL)."""

from __future__ import annotations

from dataclasses import asdict

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError
from documents.pdf.verify import VerificationReport, verify_pdf
from seals import pki

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
}
VERDICTS = {
    "valid": _("Signatures valid"),
    "invalid": _("Not valid"),
    "cannot_verify": _("Cannot be verified"),
    "no_signatures": _("No signatures"),
}


def trust_roots() -> list:
    """The platform root, plus any CAs listed in TRUSTED_CA_FILE (PEM bundle)."""
    from cryptography import x509

    certificates = [pki.certificate(pki.Role.ROOT)]
    if settings.TRUSTED_CA_FILE:
        with open(settings.TRUSTED_CA_FILE, "rb") as handle:
            certificates += x509.load_pem_x509_certificates(handle.read())
    return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certificates]


def document_verify(*, data: bytes) -> VerificationReport:
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ApplicationError(_("The file is too large to check here."), "file_too_large", status=413, field="file")
    return verify_pdf(data, trust_roots=trust_roots(), crls=[pki.seal_ca_crl_der()])


def report_as_dict(report: VerificationReport) -> dict:
    data = asdict(report)
    data["verdict_label"] = str(VERDICTS[report.verdict])
    data["reason_messages"] = [str(REASONS.get(reason, reason)) for reason in report.reasons]
    for signature, raw in zip(data["signatures"], report.signatures, strict=True):
        signature["verdict_label"] = str(VERDICTS[raw.verdict])
        signature["reason_messages"] = [str(REASONS.get(reason, reason)) for reason in raw.reasons]
    return data
