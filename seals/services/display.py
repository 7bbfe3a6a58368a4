"""What the seal pages show: the seal face and a summary of its certificate."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from seals.image import face_for
from seals.models import Seal


def certificate_summary(seal: Seal) -> dict:
    certificate = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
    return {
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "serial": f"{certificate.serial_number:X}",
        "not_before": certificate.not_valid_before_utc,
        "not_after": certificate.not_valid_after_utc,
        "algorithm": _key_description(certificate.public_key()),
    }


def _key_description(public_key) -> str:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"ECDSA {public_key.curve.name}"
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size}"
    return type(public_key).__name__


def seal_face(seal: Seal):
    return face_for(
        seal_type=seal.seal_type,
        company_name=seal.company.name,
        seal_name=seal.name,
        code=seal.code,
        uscc=seal.company.uscc,
    )
