"""Route 2: a seal whose certificate comes from a third-party CA, imported as PKCS#12
(the key is re-encrypted under a seal password the user chooses; the file's own password
is used once and forgotten), or registered from a hardware key (U-key) whose private key
never leaves it: then only the certificate and its chain are stored."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check_for
from accounts.models import User
from config.crypto import server_master_key
from config.errors import ApplicationError
from events.services import audit_event_record_in_company
from seals import keys
from seals.models import Seal, SealStatusChange
from seals.services.applications import next_seal_code
from seals.services.passwords import seal_password_check
from tenants.models import Company

PKCS12_MAX_BYTES = 64 * 1024


def _load(data: bytes, password: str):
    if len(data) > PKCS12_MAX_BYTES:
        raise ApplicationError(
            _("This file is too large to be a certificate file."), "pkcs12_too_large", field="pkcs12_file"
        )
    try:
        return pkcs12.load_pkcs12(data, password.encode() if password else None)
    except ValueError as exc:
        raise ApplicationError(
            _("The certificate file could not be opened: the password is wrong or the file is damaged."),
            "pkcs12_unreadable",
            field="pkcs12_password",
        ) from exc
    except Exception as exc:  # unsupported legacy ciphers and the like surface as other errors
        raise ApplicationError(
            _(
                "This certificate file uses an old encryption method that is not supported. "
                "Export it again from your CA tool choosing AES encryption."
            ),
            "pkcs12_unsupported",
            field="pkcs12_file",
        ) from exc


def _attribute(name: x509.Name, oid) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _check_certificate(
    certificate: x509.Certificate, private_key, company: Company, field: str = "pkcs12_file"
) -> None:
    """`private_key` None: a hardware key's certificate, whose key cannot be seen here."""
    now = dt.datetime.now(dt.UTC)
    if certificate.not_valid_after_utc <= now:
        raise ApplicationError(_("This certificate has expired."), "certificate_expired", field=field)
    if certificate.not_valid_before_utc > now:
        raise ApplicationError(_("This certificate is not valid yet."), "certificate_not_yet_valid", field=field)
    try:
        if certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise ApplicationError(
                _("This is a CA certificate, not a signing certificate."), "certificate_is_ca", field=field
            )
    except x509.ExtensionNotFound:
        pass
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            raise ApplicationError(
                _("This certificate may not be used for signing."), "certificate_not_for_signing", field=field
            )
    except x509.ExtensionNotFound:
        pass
    if not isinstance(certificate.public_key(), ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise ApplicationError(
            _("Only RSA and ECDSA certificates can be used."), "certificate_key_unsupported", field=field
        )
    public = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if private_key is not None:
        own = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if public != own:
            raise ApplicationError(
                _("The key in the file does not belong to its certificate."), "key_mismatch", field=field
            )
    subject = certificate.subject
    identifiers = " ".join(
        _attribute(subject, oid)
        for oid in (NameOID.ORGANIZATION_IDENTIFIER, NameOID.SERIAL_NUMBER, NameOID.ORGANIZATIONAL_UNIT_NAME)
    )
    same_company = (company.uscc and company.uscc in identifiers) or _attribute(
        subject, NameOID.ORGANIZATION_NAME
    ) == company.name
    if not same_company:
        raise ApplicationError(
            _("This certificate was issued to another organisation (%(name)s).")
            % {"name": _attribute(subject, NameOID.ORGANIZATION_NAME) or subject.rfc4514_string()},
            "certificate_other_company",
            field=field,
        )


@transaction.atomic
def seal_import_pkcs12(
    *, company: Company, acting_user: User, pkcs12_data: bytes, pkcs12_password: str, seal_type: str, seal_password: str
) -> Seal:
    authority_check_for(acting_user=acting_user, company=company, action=Action.SEAL_APPLY)
    seal_password_check(seal_password, user=acting_user)
    bundle = _load(pkcs12_data, pkcs12_password)
    if bundle.key is None or bundle.cert is None:
        raise ApplicationError(
            _("The file must contain a certificate and its private key."), "pkcs12_incomplete", field="pkcs12_file"
        )
    certificate = bundle.cert.certificate
    _check_certificate(certificate, bundle.key, company)
    serial = f"{certificate.serial_number:x}"
    if Seal.objects.filter(certificate_serial=serial).exists():
        raise ApplicationError(
            _("This certificate is already registered as a seal."), "certificate_registered", field="pkcs12_file"
        )
    seal = Seal(
        company=company,
        code=next_seal_code(company.uscc),
        name=_attribute(certificate.subject, NameOID.COMMON_NAME) or company.name,
        seal_type=seal_type,
        issuer=Seal.Issuer.THIRD_PARTY,
        issuer_name=certificate.issuer.rfc4514_string()[:300],
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        chain_pem="".join(
            c.certificate.public_bytes(serialization.Encoding.PEM).decode() for c in bundle.additional_certs
        ),
        certificate_serial=serial,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )
    seal.set_protected_key(
        keys.protect_private_key(
            bundle.key, seal_password, context=str(seal.pk).encode(), master_key=server_master_key()
        )
    )
    seal.save()
    SealStatusChange.objects.create(seal=seal, to_status=seal.status, changed_by=acting_user, reason="PKCS#12 import")
    audit_event_record_in_company(
        company,
        acting_user=acting_user,
        action="seal.imported",
        target=seal,
        data={"code": seal.code, "issuer": seal.issuer_name, "serial": serial},
    )
    return seal


CERTIFICATE_MAX_BYTES = 64 * 1024


def _load_certificates(data: bytes, field: str) -> list[x509.Certificate]:
    """PEM (one or more) or a single DER certificate."""
    if len(data) > CERTIFICATE_MAX_BYTES:
        raise ApplicationError(
            _("This file is too large to be a certificate file."), "certificate_too_large", field=field
        )
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise ApplicationError(
            _("This is not a certificate file (PEM or DER)."), "certificate_unreadable", field=field
        ) from exc


@transaction.atomic
def seal_register_hardware_token(
    *, company: Company, acting_user: User, certificate_data: bytes, chain_data: bytes = b"", seal_type: str
) -> Seal:
    """A U-key's certificate becomes a seal: checked like an imported one and active at
    once (as PKCS#12 imports are). The key stays on the token; sealing with it goes
    through a signing session and the local agent."""
    authority_check_for(acting_user=acting_user, company=company, action=Action.SEAL_APPLY)
    certificate = _load_certificates(certificate_data, "certificate_file")[0]
    chain = _load_certificates(chain_data, "chain_file") if chain_data.strip() else []
    _check_certificate(certificate, None, company, field="certificate_file")
    serial = f"{certificate.serial_number:x}"
    if Seal.objects.filter(certificate_serial=serial).exists():
        raise ApplicationError(
            _("This certificate is already registered as a seal."), "certificate_registered", field="certificate_file"
        )
    seal = Seal.objects.create(
        company=company,
        code=next_seal_code(company.uscc),
        name=_attribute(certificate.subject, NameOID.COMMON_NAME) or company.name,
        seal_type=seal_type,
        issuer=Seal.Issuer.HARDWARE_TOKEN,
        issuer_name=certificate.issuer.rfc4514_string()[:300],
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        chain_pem="".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain),
        certificate_serial=serial,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )
    SealStatusChange.objects.create(
        seal=seal, to_status=seal.status, changed_by=acting_user, reason="Hardware key registration"
    )
    audit_event_record_in_company(
        company,
        acting_user=acting_user,
        action="seal.registered_hardware_key",
        target=seal,
        data={"code": seal.code, "issuer": seal.issuer_name, "serial": serial},
    )
    return seal
