"""Who signs: a seal's or a person's key with its certificate chain, the appearance and
the platform timestamp authority."""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import pem
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import load_der_private_key
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.models import SigningGrant
from documents.pdf.national import NationalSigning
from documents.pdf.ofd import OfdSigner
from documents.pdf.sign import SigningKey
from documents.pdf.timestamping import LongTermValidation, RemoteTimestamping, TsaEndpoint
from documents.verification import trust_roots
from sealcore import sm2
from seals import keys, pki
from seals.image import (
    SIGNATURE_HEIGHT_MM,
    SIGNATURE_WIDTH_MM,
    appearance_png,
    drawn_signature_pdf,
    seal_pdf,
    signature_pdf,
)
from seals.models import Seal
from seals.services import national_person_seal, seal_face, seal_sm2_key


@dataclass(frozen=True)
class Signer:
    signing_key: SigningKey
    appearance_pdf: bytes
    field_prefix: str
    reason: str
    national: NationalSigning | None = None  # dual signing: the SM2 signature as well


def certificate_pem(certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def platform_trust_roots_pem() -> tuple[str, ...]:
    """The platform root and the CAs in TRUSTED_CA_FILE: TSA tokens and B-LT chains end here.
    The verifier's reading of that file (parsed once per change, a bad entry skipped)."""
    return tuple(certificate_pem(x509.load_der_x509_certificate(der)) for der in trust_roots())


def platform_timestamping() -> RemoteTimestamping:
    """The TSAs in TSA_URLS (by default the platform's own /pki/tsa, over HTTP), for
    signatures' timestamps and closing document timestamps."""
    endpoints = tuple(TsaEndpoint.from_url(url, timeout=settings.TSA_TIMEOUT_SECONDS) for url in settings.TSA_URLS)
    return RemoteTimestamping(endpoints=endpoints, trust_roots_pem=platform_trust_roots_pem())


def platform_long_term(chain_pem: list[str]) -> LongTermValidation | None:
    """B-LT for a signature whose CA chain is `chain_pem` (issuer first): revocation data is
    gathered up to the platform's trust roots, or up to the top of a third-party chain.
    None (B-T) for a certificate that came without any CA: there is nothing to anchor it."""
    if not chain_pem:
        return None
    return LongTermValidation(trust_roots_pem=tuple(dict.fromkeys([*platform_trust_roots_pem(), chain_pem[-1]])))


def platform_chain_pem() -> list[str]:
    """The platform seal CA and root: every platform-issued seal and the evidence seal chain to them."""
    return [certificate_pem(pki.certificate(pki.Role.SEAL_CA)), certificate_pem(pki.certificate(pki.Role.ROOT))]


def seal_chain_pem(seal: Seal) -> list[str]:
    """The CA certificates embedded with a seal's signature, issuer first."""
    chain_pem = platform_chain_pem() if seal.issuer == Seal.Issuer.PLATFORM else []
    if seal.chain_pem:
        chain_pem += [certificate_pem(c) for c in x509.load_pem_x509_certificates(seal.chain_pem.encode())]
    return chain_pem


def seal_reason(seal: Seal) -> str:
    return _("Sealed with %(seal)s") % {"seal": seal.name}


def seal_signer(seal: Seal, data_key: bytes) -> Signer:
    private_key = keys.decrypt_private_key(
        seal.protected_key, data_key, context=str(seal.application_id or seal.pk).encode()
    )
    return Signer(
        signing_key=SigningKey(
            private_key=private_key, certificate_pem=seal.certificate_pem, chain_pem=seal_chain_pem(seal)
        ),
        appearance_pdf=seal_pdf(seal_face(seal)),
        field_prefix=f"Seal-{seal.code}",
        reason=seal_reason(seal),
        national=_national_signing(seal, data_key),
    )


def _national_signing(seal: Seal, data_key: bytes) -> NationalSigning | None:
    """The SM2 side of dual signing, when the seal has it switched on."""
    if not (seal.dual_signing and seal.has_national_seal):
        return None
    return NationalSigning(
        key_pair=seal_sm2_key(seal=seal, data_key=data_key),
        certificate_der=pem.unarmor(seal.sm2_certificate_pem.encode())[2],
        seal_der=bytes(seal.national_seal_der),
    )


def seal_ofd_signer(seal: Seal, data_key: bytes) -> OfdSigner | None:
    """The seal's SM2 key, SM2 certificate and GB/T 38540 seal, which an OFD signature is
    made with; None for a seal that has no national seal."""
    if not seal.has_national_seal:
        return None
    return OfdSigner(
        key_pair=seal_sm2_key(seal=seal, data_key=data_key),
        certificate_der=pem.unarmor(seal.sm2_certificate_pem.encode())[2],
        seal_der=bytes(seal.national_seal_der),
    )


def person_appearance_pdf(grant: SigningGrant) -> bytes:
    """The person's drawn signature when they drew one, else the name they typed (or the
    party's name), with the name and date as a caption under a drawing."""
    day = timezone.localdate().isoformat()
    if grant.signature_png:
        return drawn_signature_pdf(bytes(grant.signature_png), f"{grant.user_label} · {day}")
    return signature_pdf(grant.evidence.get("typed_name") or grant.user_label, day)


def person_ofd_signer(grant: SigningGrant, key_pair_bytes: bytes) -> OfdSigner:
    """A person's signature on an OFD file: their one-off SM2 key and certificate, and a
    personal seal made for this signature whose picture is the same appearance a PDF shows."""
    certificate_der = pem.unarmor(grant.certificate_pem.encode())[2]
    seal_der = national_person_seal(
        es_id=str(grant.pk),
        name=grant.user_label,
        certificate_der=certificate_der,
        picture_png=appearance_png(person_appearance_pdf(grant)),
        width_mm=round(SIGNATURE_WIDTH_MM),
        height_mm=round(SIGNATURE_HEIGHT_MM),
    )
    return OfdSigner(
        key_pair=sm2.Sm2KeyPair.from_bytes(key_pair_bytes), certificate_der=certificate_der, seal_der=seal_der
    )


def person_signer(grant: SigningGrant, private_key_der: bytes) -> Signer:
    return Signer(
        signing_key=SigningKey(
            private_key=load_der_private_key(private_key_der, password=None),
            certificate_pem=grant.certificate_pem,
            chain_pem=platform_chain_pem(),
        ),
        appearance_pdf=person_appearance_pdf(grant),
        field_prefix="Signature",
        reason=_("Signed by %(name)s") % {"name": grant.user_label},
    )
