"""Seal applications: submitting one (with its keys made under the seal password), and the
reviewer's approval (issuing the seal and its certificates) or rejection."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check_for
from accounts.mail_language import mail_users
from accounts.models import User
from config.crypto import server_master_key
from config.errors import ApplicationError
from config.row_locks import lock_or_create, lock_row
from events.services import audit_event_record_in_company
from events.webhooks import webhook_event_emit_in_company
from sealcore import sm2
from seals import ca, keys, pki
from seals.codes import region_of, seal_code_for
from seals.models import Seal, SealApplication, SealCodeSequence, SealStatusChange
from seals.services.national import national_seal_issue
from seals.services.passwords import SM2_KEY_LABEL, key_context, seal_password_check
from tenants.models import Company
from tenants.services import company_link

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


ATTACHMENT_MAGIC = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


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
    context = key_context(application.pk)
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


def next_seal_code(uscc: str) -> str:
    sequence, _created = lock_or_create(SealCodeSequence, region=region_of(uscc))
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return seal_code_for(uscc, sequence.last_value)


def _notify(user: User, render) -> None:
    """In the applicant's language (not the reviewer's); `render()` gives (subject, body)."""
    mail_users(users=[user], render=render)


@transaction.atomic
def seal_application_approve(*, application: SealApplication, acting_user: User, reason: str = "") -> Seal:
    application = lock_row(SealApplication, related=("company",), pk=application.pk)
    if application.status != SealApplication.Status.SUBMITTED:
        raise ApplicationError(_("This application has already been decided."), "application_decided")
    company = application.company
    code = next_seal_code(company.uscc)
    subject = ca.SealSubject(company.name, company.uscc, code, application.seal_name)
    ca_key, ca_cert = pki.authority(pki.Role.SEAL_CA)
    csr = x509.load_pem_x509_csr(application.csr_pem.encode())
    certificate = ca.issue_seal_certificate(
        ca_key, ca_cert, csr, subject, crl_url=pki.crl_url(), ocsp_url=pki.ocsp_url()
    )
    pki.issued_note(pki.Role.SEAL_CA, certificate)
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
        national_seal_issue(seal, certificate, bytes(application.sm2_public_key))
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
    link = company_link(company, f"/seals/{seal.pk}/")
    _notify(
        application.applicant,
        lambda: (
            _("Your seal “%(name)s” is ready") % {"name": seal.name},
            _("The seal “%(name)s” of %(company)s was approved. Seal code: %(code)s.")
            % {"name": seal.name, "company": company.name, "code": code}
            + "\n\n"
            + _("Open the seal: %(link)s") % {"link": link},
        ),
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
    link = company_link(application.company, "/seals/apply/")
    _notify(
        application.applicant,
        lambda: (
            _("Your seal application was not approved"),
            _("The application for “%(name)s” was not approved. Reason: %(reason)s")
            % {"name": application.seal_name, "reason": reason}
            + "\n\n"
            + _("Apply again: %(link)s") % {"link": link},
        ),
    )
    return application
