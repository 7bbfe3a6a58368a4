from __future__ import annotations

import functools

from asn1crypto import pem as asn1_pem
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check, authority_check_for
from accounts.lockout import WrongSecret, attempt_counted
from accounts.models import FactorLock, Membership, User
from config.crypto import server_master_key
from config.errors import ApplicationError
from config.mail import mail_send
from config.row_locks import lock_or_create, lock_row
from events.services import audit_event_record_in_company
from events.webhooks import webhook_event_emit_in_company
from sealcore import national_format as national
from sealcore import sm2
from seals import ca, keys, pki
from seals.codes import region_of, seal_code_for
from seals.models import Seal, SealApplication, SealAuthorisation, SealCodeSequence, SealStatusChange
from tenants.models import Company

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_MAGIC = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")

SEAL_PASSWORD_PROBLEMS = {
    "too_short": lambda: _("at least 8 characters"),
    "needs_letters_and_digits": lambda: _("letters and digits"),
    "too_repetitive": lambda: _("at least 4 different characters"),
    "too_common": lambda: _("a less common password (this one is on the lists attackers try first)"),
    "too_similar": lambda: _("no resemblance to your email address or name"),
}


@functools.cache
def _common_passwords() -> password_validation.CommonPasswordValidator:
    return password_validation.CommonPasswordValidator()  # reads its list of 20,000 once


def _seal_password_problems_for_user(password: str, user: User | None) -> list[str]:
    """Django's common-password list, and what the person's own details give away."""
    problems = []
    validators = [("too_common", _common_passwords())]
    if user is not None:
        similarity = password_validation.UserAttributeSimilarityValidator(user_attributes=("email", "full_name"))
        validators.append(("too_similar", similarity))
    for code, validator in validators:
        try:
            validator.validate(password, user)
        except ValidationError:
            problems.append(code)
    # Not compared with the sign-in password: the refusal would tell whoever holds a session
    # what that password is, one uncounted guess at a time.
    return problems


def seal_password_check(password: str, field: str = "seal_password", *, user: User | None = None) -> None:
    problems = keys.seal_password_problems(password) + _seal_password_problems_for_user(password, user)
    if problems:
        needs = "; ".join(SEAL_PASSWORD_PROBLEMS[problem]() for problem in problems)
        raise ApplicationError(
            _("The seal password is too weak. It needs: %(needs)s.") % {"needs": needs},
            "seal_password_weak",
            field=field,
        )


def _check_attachment(upload, field: str, *, required: bool) -> None:
    if upload is None:
        if required:
            raise ApplicationError(_("This document is required."), "attachment_missing", field=field)
        return
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ApplicationError(_("The file is larger than 10 MB."), "file_too_large", field=field)
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(ATTACHMENT_MAGIC):
        raise ApplicationError(_("Upload a PDF, JPEG or PNG file."), "file_type", field=field)


def _key_context(application_id) -> bytes:
    return str(application_id).encode()


SM2_KEY_LABEL = b"sm2"


@transaction.atomic
def seal_application_submit(
    *,
    company: Company,
    applicant: User,
    seal_type: str,
    seal_name: str,
    seal_password: str,
    business_licence,
    authorisation_letter=None,
    key_algorithm: str = "ec-p256",
) -> SealApplication:
    """Generates the key pair now: the private key exists only under the seal password."""
    authority_check_for(acting_user=applicant, company=company, action=Action.SEAL_APPLY)
    if company.verification != Company.Verification.APPROVED:
        raise ApplicationError(
            _("The company's registration must be approved by a reviewer before it can apply for seals."),
            "company_not_approved",
            status=403,
        )
    if not company.uscc:
        raise ApplicationError(_("The company has no unified social credit code on file."), "uscc_missing")
    if key_algorithm not in keys.ALGORITHMS:
        raise ApplicationError(_("Unknown key algorithm."), "algorithm_invalid", field="key_algorithm")
    seal_password_check(seal_password, user=applicant)
    _check_attachment(business_licence, "business_licence", required=True)
    _check_attachment(authorisation_letter, "authorisation_letter", required=False)
    application = SealApplication(
        company=company,
        applicant=applicant,
        seal_type=seal_type,
        seal_name=seal_name.strip(),
        key_algorithm=key_algorithm,
    )
    private_key = keys.generate_private_key(key_algorithm)
    data_key = keys.new_data_key()
    context = _key_context(application.pk)
    application.set_protected_key(
        keys.protect_private_key(
            private_key, seal_password, context=context, data_key=data_key, master_key=server_master_key()
        )
    )
    # The SM2 key pair for the national format, under the same seal password.
    sm2_key = sm2.generate_key_pair()
    application.sm2_public_key = sm2_key.public_key
    application.sm2_encrypted_private_key = keys.encrypt_additional_key(
        data_key, sm2_key.to_bytes(), label=SM2_KEY_LABEL, context=context
    )
    subject = ca.SealSubject(company.name, company.uscc, seal_code="", seal_name=application.seal_name)
    application.csr_pem = ca.build_csr(private_key, subject).public_bytes(serialization.Encoding.PEM).decode()
    application.business_licence.save(business_licence.name, business_licence, save=False)
    if authorisation_letter is not None:
        application.authorisation_letter.save(authorisation_letter.name, authorisation_letter, save=False)
    application.save()
    SealStatusChange.objects.create(application=application, to_status=application.status, changed_by=applicant)
    audit_event_record_in_company(
        company,
        acting_user=applicant,
        action="seal_application.submitted",
        target=application,
        data={"seal_name": application.seal_name, "seal_type": seal_type},
    )
    return application


def _next_seal_code(uscc: str) -> str:
    sequence, _created = lock_or_create(SealCodeSequence, region=region_of(uscc))
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return seal_code_for(uscc, sequence.last_value)


def _notify(user: User, subject: str, body: str) -> None:
    transaction.on_commit(lambda: mail_send(subject=subject, body=body, to=[user.email]))


@transaction.atomic
def seal_application_approve(*, application: SealApplication, acting_user: User, reason: str = "") -> Seal:
    application = lock_row(SealApplication, related=("company",), pk=application.pk)
    if application.status != SealApplication.Status.SUBMITTED:
        raise ApplicationError(_("This application has already been decided."), "application_decided")
    company = application.company
    code = _next_seal_code(company.uscc)
    subject = ca.SealSubject(company.name, company.uscc, code, application.seal_name)
    ca_key, ca_cert = pki.authority(pki.Role.SEAL_CA)
    csr = x509.load_pem_x509_csr(application.csr_pem.encode())
    certificate = ca.issue_seal_certificate(
        ca_key, ca_cert, csr, subject, crl_url=pki.crl_url(), ocsp_url=pki.ocsp_url()
    )
    seal = Seal(
        company=company,
        application=application,
        code=code,
        name=application.seal_name,
        seal_type=application.seal_type,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        certificate_serial=f"{certificate.serial_number:x}",
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )
    seal.set_protected_key(application.protected_key)
    if application.sm2_public_key:
        _national_seal_issue(seal, certificate, bytes(application.sm2_public_key))
        seal.sm2_public_key = application.sm2_public_key
        seal.sm2_encrypted_private_key = application.sm2_encrypted_private_key
    seal.save()
    application.status = SealApplication.Status.APPROVED
    application.decided_at = timezone.now()
    application.decided_by = acting_user
    application.decision_reason = reason.strip()
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    SealStatusChange.objects.create(
        application=application, from_status="submitted", to_status="approved", changed_by=acting_user, reason=reason
    )
    SealStatusChange.objects.create(seal=seal, to_status=seal.status, changed_by=acting_user)
    audit_event_record_in_company(
        company, acting_user=acting_user, action="seal.issued", target=seal, data={"code": code, "name": seal.name}
    )
    webhook_event_emit_in_company(
        company, event_type="seal.approved", data={"seal_id": str(seal.pk), "code": code, "name": seal.name}
    )
    _notify(
        application.applicant,
        _("Your seal “%(name)s” is ready") % {"name": seal.name},
        _("The seal “%(name)s” of %(company)s was approved. Seal code: %(code)s.")
        % {"name": seal.name, "company": company.name, "code": code},
    )
    return seal


NATIONAL_SEAL_TYPE = {"legal_representative": national.SEAL_TYPE_PERSONAL}


def _national_seal_issue(seal: Seal, certificate: x509.Certificate, sm2_public_key: bytes) -> None:
    """The seal's SM2 certificate and its SESeal (GB/T 38540 v4), both made by the
    platform's SM2 maker: esID is the seal code, the picture is the face at true size."""
    from seals.image import seal_png

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
        picture_png=seal_png(face),
        width_mm=round(face.width_mm),
        height_mm=round(face.height_mm),
    )


def seal_sm2_key(*, seal: Seal, data_key: bytes) -> sm2.Sm2KeyPair:
    """The seal's SM2 key pair, with the data key `seal_private_key_unlock` gave."""
    token = bytes(seal.sm2_encrypted_private_key)
    context = _key_context(seal.application_id or seal.pk)
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
    _assert_manages_seals(acting_membership)
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


@transaction.atomic
def seal_application_reject(*, application: SealApplication, acting_user: User, reason: str) -> SealApplication:
    if not reason.strip():
        raise ApplicationError(_("Give the applicant a reason."), "reason_missing", field="reason")
    application = lock_row(SealApplication, pk=application.pk)
    if application.status != SealApplication.Status.SUBMITTED:
        raise ApplicationError(_("This application has already been decided."), "application_decided")
    application.status = SealApplication.Status.REJECTED
    application.decided_at = timezone.now()
    application.decided_by = acting_user
    application.decision_reason = reason.strip()
    # The key will never be certified: destroy the key material.
    application.encrypted_private_key = application.wrapped_data_key = None
    application.sm2_encrypted_private_key = None
    application.save(
        update_fields=[
            "status",
            "decided_at",
            "decided_by",
            "decision_reason",
            "encrypted_private_key",
            "wrapped_data_key",
            "sm2_encrypted_private_key",
        ]
    )
    SealStatusChange.objects.create(
        application=application, from_status="submitted", to_status="rejected", changed_by=acting_user, reason=reason
    )
    audit_event_record_in_company(
        application.company,
        acting_user=acting_user,
        action="seal_application.rejected",
        target=application,
        data={"reason": reason},
    )
    webhook_event_emit_in_company(
        application.company,
        event_type="seal.rejected",
        data={"application_id": str(application.pk), "name": application.seal_name, "reason": reason},
    )
    _notify(
        application.applicant,
        _("Your seal application was not approved"),
        _("The application for “%(name)s” was not approved. Reason: %(reason)s")
        % {"name": application.seal_name, "reason": reason},
    )
    return application


ALLOWED_TRANSITIONS = {
    (Seal.Status.ACTIVE, Seal.Status.SUSPENDED),
    (Seal.Status.SUSPENDED, Seal.Status.ACTIVE),
    (Seal.Status.ACTIVE, Seal.Status.REVOKED),
    (Seal.Status.SUSPENDED, Seal.Status.REVOKED),
}


@transaction.atomic
def seal_status_change(*, seal: Seal, to_status: str, acting_user: User, reason: str) -> Seal:
    """Suspend (loss report), restore, or revoke for good. The CRL follows at once.
    Company pages and the API ask the authority table (SEAL_MANAGE) first; platform
    reviewers call this from the admin, where no company role applies."""
    seal = lock_row(Seal, pk=seal.pk)
    if (seal.status, to_status) not in ALLOWED_TRANSITIONS:
        raise ApplicationError(
            _("This seal cannot go from “%(from)s” to that status.") % {"from": seal.get_status_display()},
            "transition_invalid",
        )
    if not reason.strip():
        raise ApplicationError(_("Give a reason."), "reason_missing", field="reason")
    previous = seal.status
    seal.status = to_status
    seal.status_changed_at = timezone.now()
    seal.status_reason = reason.strip()
    update = ["status", "status_changed_at", "status_reason"]
    if to_status == Seal.Status.REVOKED:
        seal.encrypted_private_key = seal.wrapped_data_key = None  # a revoked seal never signs again
        seal.sm2_encrypted_private_key = None
        update += ["encrypted_private_key", "wrapped_data_key", "sm2_encrypted_private_key"]
    seal.save(update_fields=update)
    SealStatusChange.objects.create(
        seal=seal, from_status=previous, to_status=to_status, changed_by=acting_user, reason=reason
    )
    audit_event_record_in_company(
        seal.company,
        acting_user=acting_user,
        action=f"seal.{to_status}",
        target=seal,
        data={"code": seal.code, "reason": reason},
    )
    if to_status == Seal.Status.REVOKED:
        webhook_event_emit_in_company(
            seal.company, event_type="seal.revoked", data={"seal_id": str(seal.pk), "code": seal.code, "reason": reason}
        )
    return seal


def seal_private_key_unlock(*, seal: Seal, user: User, seal_password: str, ip_address: str | None = None) -> bytes:
    """The data key if the seal password is right; wrong passwords count towards a
    15-minute lock of this seal for this user."""
    if seal.on_hardware_token:
        raise ApplicationError(
            _("This seal's key is on a hardware key (U-key): it has no seal password. Seal with the U-key."),
            "seal_on_hardware_key",
            status=409,
        )
    with attempt_counted(user=user, factor=FactorLock.Factor.SEAL_PASSWORD, scope=str(seal.pk), ip_address=ip_address):
        if seal.status != Seal.Status.ACTIVE or seal.encrypted_private_key is None:
            raise ApplicationError(_("This seal is not active."), "seal_inactive", status=409)
        try:
            return keys.unwrap_data_key(
                seal.protected_key,
                seal_password,
                context=_key_context(seal.application_id or seal.pk),
                master_key=server_master_key(),
            )
        except keys.WrongSealPassword:
            raise WrongSecret(
                _("The seal password is not correct."), "seal_password_wrong", field="seal_password"
            ) from None


def seal_password_change(
    *, seal: Seal, user: User, old_password: str, new_password: str, ip_address: str | None = None
) -> Seal:
    authority_check_for(acting_user=user, company=seal.company, action=Action.SEAL_MANAGE)
    seal_password_check(new_password, field="new_password", user=user)
    seal_private_key_unlock(seal=seal, user=user, seal_password=old_password, ip_address=ip_address)
    context = _key_context(seal.application_id or seal.pk)
    with transaction.atomic():
        seal = lock_row(Seal, pk=seal.pk)
        seal.set_protected_key(
            keys.rewrap(seal.protected_key, old_password, new_password, context=context, master_key=server_master_key())
        )
        seal.save(update_fields=["wrapped_data_key", "kdf_salt", "kdf_n", "kdf_r", "kdf_p"])
        audit_event_record_in_company(
            seal.company, acting_user=user, action="seal.password_changed", target=seal, data={"code": seal.code}
        )
    return seal


def _assert_manages_seals(membership) -> None:
    authority_check(membership=membership, action=Action.SEAL_MANAGE)


@transaction.atomic
def seal_authorisation_grant(*, seal: Seal, user: User, acting_membership) -> SealAuthorisation:
    _assert_manages_seals(acting_membership)
    if not Membership.objects.filter(user=user, company=seal.company).exists():
        raise ApplicationError(_("Only members of the company can be authorised."), "not_member", field="user")
    authorisation, created = SealAuthorisation.objects.get_or_create(
        seal=seal, user=user, defaults={"granted_by": acting_membership.user}
    )
    if created:
        audit_event_record_in_company(
            seal.company,
            acting_user=acting_membership.user,
            action="seal.authorisation_granted",
            target=seal,
            data={"code": seal.code, "email": user.email},
        )
    return authorisation


@transaction.atomic
def seal_authorisation_revoke(*, authorisation: SealAuthorisation, acting_membership) -> None:
    _assert_manages_seals(acting_membership)
    seal = authorisation.seal
    audit_event_record_in_company(
        seal.company,
        acting_user=acting_membership.user,
        action="seal.authorisation_revoked",
        target=seal,
        data={"code": seal.code, "email": authorisation.user.email},
    )
    authorisation.delete()


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
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"ECDSA {public_key.curve.name}"
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size}"
    return type(public_key).__name__


def seal_face(seal: Seal):
    from seals.image import face_for

    return face_for(
        seal_type=seal.seal_type,
        company_name=seal.company.name,
        seal_name=seal.name,
        code=seal.code,
        uscc=seal.company.uscc,
    )
