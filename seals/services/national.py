"""The national-format seal (GB/T 38540, SM2): issuing it, its key, its summary, and the
second signature made with it."""

from __future__ import annotations

from asn1crypto import pem as asn1_pem
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.row_locks import lock_row
from events.services import audit_event_record_in_company
from sealcore import national_format as national
from sealcore import sm2
from seals import keys, pki
from seals.image import seal_picture_png
from seals.models import Seal
from seals.services.display import seal_face
from seals.services.lifecycle import assert_manages_seals
from seals.services.passwords import SM2_KEY_LABEL, key_context

NATIONAL_SEAL_TYPE = {"legal_representative": national.SEAL_TYPE_PERSONAL}


def national_seal_issue(seal: Seal, certificate: x509.Certificate, sm2_public_key: bytes) -> None:
    """The seal's SM2 certificate and its SESeal (GB/T 38540 v4), both made by the
    platform's SM2 maker: esID is the seal code, the picture is the face at true size."""
    maker_key, maker_certificate = pki.sm2_maker()
    company = seal.company
    subject = sm2.name(
        common_name=seal.name,
        organization=company.name,
        extra={"organization_identifier": company.uscc, "serial_number": seal.code},
    )
    sm2_certificate = sm2.issue_seal_certificate(
        maker_key=maker_key, maker_certificate=maker_certificate, subject_name=subject, public_key=sm2_public_key
    )
    face = seal_face(seal)
    sm2_validity = sm2_certificate["tbs_certificate"]["validity"]
    seal.sm2_certificate_pem = asn1_pem.armor("CERTIFICATE", sm2_certificate.dump()).decode()
    seal.national_seal_der = national.build_seal(
        maker_key=maker_key,
        maker_certificate=maker_certificate.dump(),
        es_id=seal.code,
        name=seal.name,
        seal_type=NATIONAL_SEAL_TYPE.get(seal.seal_type, national.SEAL_TYPE_ORGANISATION),
        signer_certificates=[sm2_certificate.dump(), certificate.public_bytes(serialization.Encoding.DER)],
        valid_from=max(certificate.not_valid_before_utc, sm2_validity["not_before"].native),
        valid_until=min(certificate.not_valid_after_utc, sm2_validity["not_after"].native),
        picture_png=seal_picture_png(face),
        width_mm=round(face.width_mm),
        height_mm=round(face.height_mm),
    )


def national_person_certificate_issue(*, name: str, email: str, public_key: bytes) -> bytes:
    """A person's one-off SM2 certificate (DER) from the platform's SM2 maker, for signing an
    OFD file once: the key pair lives only in that signing job, like the PDF one."""
    maker_key, maker_certificate = pki.sm2_maker()
    extra = {"email_address": email} if email and email.isascii() else {}
    subject = sm2.name(common_name=name[:64] or "-", organization="Sealhub", extra=extra)
    return sm2.issue_seal_certificate(
        maker_key=maker_key, maker_certificate=maker_certificate, subject_name=subject, public_key=public_key
    ).dump()


def national_person_seal(
    *, es_id: str, name: str, certificate_der: bytes, picture_png: bytes, width_mm: int, height_mm: int
) -> bytes:
    """A personal seal (GB/T 38540 v4, type personal) for one signature: the person's drawn or
    typed signature as its picture, listing only their certificate, valid as long as it is.
    This is how a person's handwritten signature travels in an OFD signature (type Seal)."""
    maker_key, maker_certificate = pki.sm2_maker()
    validity = sm2.load_certificate(certificate_der)["tbs_certificate"]["validity"]
    return national.build_seal(
        maker_key=maker_key,
        maker_certificate=maker_certificate.dump(),
        es_id=es_id,
        name=name,
        seal_type=national.SEAL_TYPE_PERSONAL,
        signer_certificates=[certificate_der],
        valid_from=validity["not_before"].native,
        valid_until=validity["not_after"].native,
        picture_png=picture_png,
        width_mm=width_mm,
        height_mm=height_mm,
    )


def seal_sm2_key(*, seal: Seal, data_key: bytes) -> sm2.Sm2KeyPair:
    """The seal's SM2 key pair, with the data key `seal_private_key_unlock` gave."""
    token = bytes(seal.sm2_encrypted_private_key)
    context = key_context(seal.application_id or seal.pk)
    return sm2.Sm2KeyPair.from_bytes(keys.decrypt_additional_key(data_key, token, label=SM2_KEY_LABEL, context=context))


def seal_national_summary(seal: Seal) -> dict | None:
    """The fields of the seal's SESeal for the seal page and the admin."""
    if not seal.national_seal_der:
        return None
    data = national.parse_seal(bytes(seal.national_seal_der))
    maker = sm2.load_certificate(data.maker_certificate)
    return {
        "version": data.version,
        "vendor_id": data.vendor_id,
        "es_id": data.es_id,
        "name": data.name,
        "seal_type": data.seal_type,
        "certificate_count": len(data.certificates),
        "created_at": data.created_at,
        "valid_from": data.valid_from,
        "valid_until": data.valid_until,
        "picture": f"{data.picture_type}, {data.width_mm} × {data.height_mm} mm",
        "maker": maker.subject.human_friendly,
        "signature_algorithm": "SM3withSM2"
        if data.signature_algorithm == sm2.SM3_WITH_SM2_OID
        else data.signature_algorithm,
        "size": len(data.der),
    }


@transaction.atomic
def seal_dual_signing_set(*, seal: Seal, enabled: bool, acting_membership) -> Seal:
    """Turn the second (SM2, GB/T 38540) signature on or off for every later sealing."""
    assert_manages_seals(acting_membership)
    seal = lock_row(Seal, pk=seal.pk)
    if enabled and not seal.has_national_seal:
        raise ApplicationError(
            _("This seal has no SM2 key and national-format seal; it can only sign with PAdES."),
            "national_seal_missing",
            status=409,
        )
    if seal.dual_signing != enabled:
        seal.dual_signing = enabled
        seal.save(update_fields=["dual_signing"])
        audit_event_record_in_company(
            seal.company,
            acting_user=acting_membership.user,
            action="seal.dual_signing_on" if enabled else "seal.dual_signing_off",
            target=seal,
            data={"code": seal.code},
        )
    return seal
