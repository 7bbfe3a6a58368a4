"""The evidence package (出证) as bytes: the report sealed by the platform, the certificates,
timestamps and revocation data taken out of the signed files, and the ZIP with its signed
manifest and the offline checker (`evidence_check.py`, shipped inside as check_evidence.py).
Pure functions; the service in documents/services/evidence.py gathers what goes in."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from documents.pdf.archive import archive_timestamp_add
from documents.pdf.sign import SIGNATURE_BYTES_RESERVED, SigningKey, _asn1_cert, _asn1_key, _timestamper
from documents.pdf.timestamping import LongTermValidation, RemoteTimestamping, validation_context
from sealcore import national_format
from sealcore.ofd.package import open_ofd, parse_signature_file
from sealcore.sm2 import sm3

CHECKER_NAME = "check_evidence.py"
CHECKER_SOURCE = Path(__file__).with_name("evidence_check.py").read_bytes()
EVIDENCE_FIELD = "Sealhub-Evidence"
FORMAT = "sealhub-evidence/1"


def fingerprints(data: bytes) -> dict[str, str]:
    """SHA-256 and SM3 (GB/T 32905) of a file, as hex."""
    return {"sha256": hashlib.sha256(data).hexdigest(), "sm3": sm3(data).hex()}


def evidence_report_seal(
    pdf: bytes, *, signing_key: SigningKey, timestamping: RemoteTimestamping, long_term: LongTermValidation
) -> bytes:
    """The platform's seal on the report at B-LT (timestamped, its chain and revocation data
    in the DSS), then an archive timestamp over the whole file (B-LTA)."""
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(signing_key.certificate_pem),
        signing_key=_asn1_key(signing_key.private_key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(pem) for pem in signing_key.chain_pem]),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=EVIDENCE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="Sealhub evidence report",
        embed_validation_info=True,
        validation_context=validation_context(long_term.trust_roots_pem, fetching=True),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    output = io.BytesIO()
    signers.PdfSigner(
        metadata,
        signer,
        timestamper=_timestamper(timestamping),
        new_field_spec=fields.SigFieldSpec(sig_field_name=EVIDENCE_FIELD),
    ).sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES_RESERVED, output=output)
    return archive_timestamp_add(output.getvalue(), timestamping=timestamping, validation=long_term)


@dataclass(frozen=True)
class SignedFileParts:
    """What a signed PDF carries that a checker needs on its own: every certificate, every
    timestamp token, and the revocation data of its DSS."""

    certificates: dict[str, bytes]  # name → PEM
    timestamps: dict[str, bytes]  # name → DER (RFC 3161 TimeStampToken)
    revocation: dict[str, bytes]  # name → DER (OCSP response or CRL)


def signed_file_parts(pdf: bytes, *, prefix: str) -> SignedFileParts:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    certificates: dict[str, bytes] = {}
    timestamps: dict[str, bytes] = {}
    revocation: dict[str, bytes] = {}

    def add_certificate(der: bytes) -> None:
        pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
        certificates[f"certificates/{hashlib.sha256(der).hexdigest()[:16]}.pem"] = pem

    for number, signature in enumerate(reader.embedded_signatures, start=1):
        for certificate in signature.signed_data["certificates"]:
            add_certificate(certificate.chosen.dump())
        if signature.sig_object_type == "/DocTimeStamp":
            token = cms.ContentInfo({"content_type": "signed_data", "content": signature.signed_data})
            timestamps[f"timestamps/{prefix}-{number}-document.tst"] = token.dump()
            continue
        for attribute in signature.signer_info["unsigned_attrs"] or []:
            if attribute["type"].native == "signature_time_stamp_token":
                for token in attribute["values"]:
                    timestamps[f"timestamps/{prefix}-{number}-signature.tst"] = token.dump()
                    for certificate in token["content"]["certificates"] or []:
                        add_certificate(certificate.chosen.dump())
    dss = reader.root.get("/DSS")
    if dss is not None:
        dss = dss.get_object()
        for key, kind in (("/Certs", None), ("/OCSPs", "ocsp"), ("/CRLs", "crl")):
            for entry in dss.get(key, []):
                data = entry.get_object().data
                if kind is None:
                    add_certificate(data)
                else:
                    revocation[f"revocation/{prefix}-{hashlib.sha256(data).hexdigest()[:16]}.{kind}"] = data
    return SignedFileParts(certificates, timestamps, revocation)


def ofd_signed_parts(ofd: bytes, *, prefix: str) -> SignedFileParts:
    """What a sealed OFD carries for a checker: every certificate of its GB/T 38540
    SES_Signatures (signer, seal maker, the seal's certificate list, the timestamp's
    chain) and every SES_Signature timestamp token (over the signature value)."""
    package = open_ofd(ofd)
    certificates: dict[str, bytes] = {}
    timestamps: dict[str, bytes] = {}

    def add_certificate(der: bytes) -> None:
        if not der:
            return
        pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
        certificates[f"certificates/{hashlib.sha256(der).hexdigest()[:16]}.pem"] = pem

    number = 0
    for document in package.documents:
        for entry in document.signatures:
            if entry.path is None:
                continue
            signature_file = parse_signature_file(package, entry.path)
            value = package.files.get(signature_file.signed_value_path or "")
            if value is None or entry.type != "Seal":
                continue
            number += 1
            signature = national_format.parse_signature(value)
            for der in (signature.signer_certificate, signature.seal.maker_certificate, *signature.seal.certificates):
                add_certificate(der)
            if signature.timestamp:
                timestamps[f"timestamps/{prefix}-{number}-signature.tst"] = signature.timestamp
                token = cms.ContentInfo.load(signature.timestamp)
                for certificate in token["content"]["certificates"] or []:
                    add_certificate(certificate.chosen.dump())
    return SignedFileParts(certificates, timestamps, {})


def evidence_archive(*, parts: dict[str, bytes], signing_key: SigningKey, created_at: dt.datetime) -> bytes:
    """The ZIP: `parts` (final.pdf, report.pdf, audit.jsonl, certificates/..., ...), the
    checker, a manifest with the SHA-256 of every part, and the platform seal's signature
    over the manifest (ECDSA with SHA-256, DER) so a part changed together with its manifest
    line is still found."""
    parts = {**parts, CHECKER_NAME: CHECKER_SOURCE}
    chain = [x509.load_pem_x509_certificate(pem.encode()) for pem in signing_key.chain_pem]
    parts["certificates/evidence-seal.pem"] = signing_key.certificate_pem.encode()
    parts["certificates/seal-ca.pem"] = chain[0].public_bytes(serialization.Encoding.PEM)
    parts["certificates/root.pem"] = chain[-1].public_bytes(serialization.Encoding.PEM)
    manifest = json.dumps(
        {
            "format": FORMAT,
            "created_at": created_at.astimezone(dt.UTC).isoformat(),
            "parts": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(parts.items())},
        },
        indent=1,
        sort_keys=True,
    ).encode()
    signature = signing_key.private_key.sign(manifest, ec.ECDSA(hashes.SHA256()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in sorted(parts.items()):
            package.writestr(name, data)
        package.writestr("manifest.json", manifest)
        package.writestr("manifest.sig", signature)
    return buffer.getvalue()


def audit_lines(rows: list[dict]) -> bytes:
    """JSON lines, one audit row each: {"sequence", "hash", "previous_hash", "payload"}, the
    payload being exactly what the row's hash covers."""
    return b"".join(
        json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for row in rows
    )
