"""Remote signing for keys that never leave their hardware (U-key): the server prepares,
the token signs elsewhere, the server finishes. Pure functions over bytes.

pyHanko's interrupted signing, and the steps in it that are not obvious:

1. `PdfSigner.async_digest_doc_for_signing` writes the whole revision (stamp, field,
   signature dictionary with a zero-filled /Contents of fixed size) and digests the
   /ByteRange. What it returns is enough to resume in another process: the written bytes
   and a `PreparedByteRangeDigest` (digest + reserved region offsets). No writer or
   signer object has to survive, so nothing is re-run and nothing must be deterministic.
2. The token does not sign the document digest: it signs the DER of the CMS *signed
   attributes* (content type, message digest = the document digest, signing certificate
   v2), built by `ExternalSigner.signed_attrs(..., use_pades=True)`. Those bytes are
   kept exactly as built; rebuilding them later could give different bytes.
3. Finishing builds the CMS around the token's signature value with
   `ExternalSigner(signature_value=...).async_sign_prescribed_attributes`, which also
   fetches the signature timestamp (B-T), then `PdfTBSDocument.async_finish_signing`
   writes it into the reserved region.
4. Everything here is async in pyHanko; the sync wrappers call `asyncio.run`, so these
   functions must not run inside an event loop (docs/library-notes.md).
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import ExternalSigner
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from documents.pdf.sign import (
    SIGNATURE_BYTES_RESERVED,
    Placement,
    Timestamping,
    _asn1_cert,
    _timestamper,
    fitted_into_field,
    signature_appearance,
    signature_field_spec,
    signature_metadata,
)

DIGEST_ALGORITHM = "sha256"


class SignatureMismatch(Exception):
    """The signature value was not made by the key of the registered certificate."""


class SignedPdfInvalid(Exception):
    """The finished PDF does not validate (should never happen; nothing is stored)."""


@dataclass(frozen=True)
class PreparedSignature:
    pdf: bytes  # the new revision, with /Contents reserved and zero-filled
    reserved_start: int
    reserved_end: int
    document_digest: bytes  # SHA-256 over the /ByteRange
    signed_attributes: bytes  # DER of the CMS signed attributes: what the token signs


def _external_signer(certificate_pem: str, chain_pem: list[str], signature_value: bytes | None = None):
    return ExternalSigner(
        signing_cert=_asn1_cert(certificate_pem),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(pem) for pem in chain_pem]),
        signature_value=signature_value,
    )


def prepare(
    data: bytes,
    *,
    placement: Placement,
    appearance_pdf: bytes,
    certificate_pem: str,
    chain_pem: list[str],
    field_name: str,
    reason: str = "",
    existing_field: bool = False,
) -> PreparedSignature:
    """Stamp, add the signature field (or fill the empty field `field_name` with
    `existing_field`) and reserve the signature's room; return what the token must sign
    and what `finish` needs."""
    return asyncio.run(
        _prepare(data, placement, appearance_pdf, certificate_pem, chain_pem, field_name, reason, existing_field)
    )


async def _prepare(data, placement, appearance_pdf, certificate_pem, chain_pem, field_name, reason, existing_field):
    signer = _external_signer(certificate_pem, chain_pem)
    metadata = signature_metadata(field_name=field_name, reason=reason, location="", certify=False)
    with signature_appearance(data, placement=placement, appearance_pdf=appearance_pdf) as (writer, style):
        if existing_field:
            style = fitted_into_field(style, writer, field_name, placement)
        pdf_signer = signers.PdfSigner(
            metadata,
            signer,
            new_field_spec=signature_field_spec(placement, field_name, existing_field=existing_field),
            stamp_style=None if placement.kind == "cross_page" else style,
        )
        prepared_digest, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
            writer, bytes_reserved=SIGNATURE_BYTES_RESERVED
        )
    signed_attributes = await signer.signed_attrs(prepared_digest.document_digest, DIGEST_ALGORITHM, use_pades=True)
    return PreparedSignature(
        pdf=output.getvalue(),
        reserved_start=prepared_digest.reserved_region_start,
        reserved_end=prepared_digest.reserved_region_end,
        document_digest=prepared_digest.document_digest,
        signed_attributes=signed_attributes.dump(),
    )


def signature_check(*, certificate_pem: str, signed_attributes: bytes, signature: bytes) -> None:
    """Raise SignatureMismatch unless `signature` is the certificate key's signature over
    the signed attributes (ECDSA with SHA-256, DER; or RSA PKCS#1 v1.5 with SHA-256)."""
    public_key = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, signed_attributes, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, signed_attributes, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise SignatureMismatch("unsupported key type")
    except (InvalidSignature, ValueError) as error:  # ValueError: not DER at all
        raise SignatureMismatch(str(error)) from error


def finish(
    prepared: PreparedSignature,
    *,
    signature: bytes,
    certificate_pem: str,
    chain_pem: list[str],
    timestamping: Timestamping,
) -> bytes:
    """Embed the token's signature (checked first) with a timestamp; return the signed PDF."""
    signature_check(certificate_pem=certificate_pem, signed_attributes=prepared.signed_attributes, signature=signature)
    signed = asyncio.run(_finish(prepared, signature, certificate_pem, chain_pem, timestamping))
    _assert_intact(signed, certificate_pem)
    return signed


async def _finish(prepared, signature, certificate_pem, chain_pem, timestamping):
    signer = _external_signer(certificate_pem, chain_pem, signature_value=signature)
    signature_cms = await signer.async_sign_prescribed_attributes(
        DIGEST_ALGORITHM,
        signed_attrs=cms.CMSAttributes.load(prepared.signed_attributes),
        timestamper=_timestamper(timestamping),
    )
    output = io.BytesIO(prepared.pdf)
    prepared_digest = PreparedByteRangeDigest(
        document_digest=prepared.document_digest,
        reserved_region_start=prepared.reserved_start,
        reserved_region_end=prepared.reserved_end,
    )
    await PdfTBSDocument.async_finish_signing(output, prepared_digest, signature_cms)
    return output.getvalue()


def _assert_intact(signed: bytes, certificate_pem: str) -> None:
    """The newest signature is intact and covers the whole file. Trust is the verifier's
    business (a third-party CA is not necessarily ours): the signer's own certificate is
    the anchor here, so only integrity is judged."""
    newest = PdfFileReader(io.BytesIO(signed), strict=False).embedded_signatures[-1]
    status = validate_pdf_signature(
        newest, ValidationContext(trust_roots=[_asn1_cert(certificate_pem)], allow_fetching=False)
    )
    if not status.intact or status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise SignedPdfInvalid("the embedded signature does not validate")
