"""The platform's CA keys in the database, encrypted under MASTER_KEY."""

from __future__ import annotations

import datetime as dt
import functools

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.management import CommandError
from django.db import transaction

from config.crypto import decrypt, encrypt
from config.row_locks import lock_rows
from sealcore import sm2
from seals import ca, responders
from seals.models import IssuedCertificate, PlatformAuthority, Seal

Role = PlatformAuthority.Role


def _platform(path: str) -> str:
    return f"{settings.PLATFORM_URL.rstrip('/')}/pki/{path}"


def crl_url() -> str:
    """The seal CA's CRL: in the certificates the seal CA issues (seals, people)."""
    return _platform("seal-ca.crl")


def root_crl_url() -> str:
    """The root CA's CRL: in the certificates the root issues (seal CA, TSA)."""
    return _platform("root.crl")


def ocsp_url() -> str:
    """The OCSP responder for both platform CAs."""
    return _platform("ocsp")


def tsa_url() -> str:
    """The platform TSA's RFC 3161 endpoint."""
    return _platform("tsa")


def issued_note(issuer: str, certificate: x509.Certificate) -> None:
    """Record a certificate the platform CA `issuer` (a Role) issued: the OCSP responder
    answers for recorded serials only."""
    IssuedCertificate.objects.get_or_create(
        issuer=issuer,
        serial=f"{certificate.serial_number:x}",
        defaults={
            "subject": certificate.subject.rfc4514_string()[:300],
            "not_after": certificate.not_valid_after_utc,
        },
    )


def issued_by(issuer: str, serial: int) -> bool:
    """Whether the platform CA `issuer` issued `serial` (the certificate in use for a role
    counts even before its row is written, e.g. an authority made before the record existed)."""
    if IssuedCertificate.objects.filter(issuer=issuer, serial=f"{serial:x}").exists():
        return True
    if issuer == Role.ROOT:
        return serial in {authority(role)[1].serial_number for role in (Role.SEAL_CA, Role.TSA)}
    return Seal.objects.filter(issuer=Seal.Issuer.PLATFORM, certificate_serial=f"{serial:x}").exists()


def _store(role: str, key, cert) -> PlatformAuthority:
    if role in (Role.SEAL_CA, Role.TSA):
        issued_note(Role.ROOT, cert)
    if role == Role.EVIDENCE:  # the platform's own seal, issued by the seal CA like a company's
        issued_note(Role.SEAL_CA, cert)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return PlatformAuthority.objects.create(
        role=role,
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        encrypted_private_key=encrypt(der, purpose=f"pki-{role}", associated_data=role.encode()),
    )


@transaction.atomic
def pki_init() -> list[str]:
    """Create whatever of root CA, seal CA, TSA and the platform's evidence seal is missing;
    return what was created."""
    existing = set(lock_rows(PlatformAuthority).values_list("role", flat=True))
    created = []
    if Role.ROOT not in existing:
        root_key, root_cert = ca.create_root_ca()
        _store(Role.ROOT, root_key, root_cert)
        created.append(Role.ROOT)
    try:
        root_key, root_cert = authority(Role.ROOT)
    except InvalidTag as error:
        # Another MASTER_KEY than the one the database was set up with: say so, not a traceback.
        raise CommandError(
            "MASTER_KEY does not open the keys stored in this database. Start with the MASTER_KEY it was "
            "set up with; without it no stored key (platform CA, seals, signing grants) can be used."
        ) from error
    if Role.SEAL_CA not in existing:
        seal_ca = ca.create_subordinate_ca(root_key, root_cert, crl_url=root_crl_url(), ocsp_url=ocsp_url())
        _store(Role.SEAL_CA, *seal_ca)
        created.append(Role.SEAL_CA)
    if Role.TSA not in existing:
        _store(
            Role.TSA, *ca.create_timestamp_authority(root_key, root_cert, crl_url=root_crl_url(), ocsp_url=ocsp_url())
        )
        created.append(Role.TSA)
    if Role.EVIDENCE not in existing:
        seal_ca_key, seal_ca_cert = authority(Role.SEAL_CA)
        _store(
            Role.EVIDENCE, *ca.create_evidence_seal(seal_ca_key, seal_ca_cert, crl_url=crl_url(), ocsp_url=ocsp_url())
        )
        created.append(Role.EVIDENCE)
    for role in (Role.SEAL_CA, Role.TSA):
        if role in existing and _recertify_with_ocsp(role, root_key, root_cert):
            created.append(f"{role} (certificate re-issued with OCSP and CRL locations)")
    if Role.SM2_MAKER not in existing:
        # Installs from before the national format get their maker on the next setup run.
        key_pair, certificate = sm2.create_maker_authority()
        PlatformAuthority.objects.create(
            role=Role.SM2_MAKER,
            certificate_pem=asn1_pem.armor("CERTIFICATE", certificate.dump()).decode(),
            encrypted_private_key=encrypt(
                key_pair.to_bytes(), purpose=f"pki-{Role.SM2_MAKER}", associated_data=Role.SM2_MAKER.encode()
            ),
        )
        created.append(Role.SM2_MAKER)
    authority.cache_clear()
    sm2_maker.cache_clear()
    return created


def _recertify_with_ocsp(role: str, root_key, root_cert) -> bool:
    """Seal CA and TSA certificates made before the OCSP responder existed name no OCSP
    location (and the seal CA's CRL location was its own CRL): B-LT signing needs both, so
    the same key gets a new certificate from the root. Existing signatures are unaffected."""
    row = PlatformAuthority.objects.get(role=role)
    current = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    try:
        current.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
        return False
    except x509.ExtensionNotFound:
        pass
    renewed = ca.recertify(root_key, root_cert, current, crl_url=root_crl_url(), ocsp_url=ocsp_url())
    row.certificate_pem = renewed.public_bytes(serialization.Encoding.PEM).decode()
    row.save(update_fields=["certificate_pem"])
    issued_note(Role.ROOT, renewed)
    return True


@functools.lru_cache(maxsize=8)
def authority(role: str):
    """(private key, certificate) of a platform authority, parsed once per process."""
    row = PlatformAuthority.objects.get(role=role)
    der = decrypt(bytes(row.encrypted_private_key), purpose=f"pki-{role}", associated_data=role.encode())
    key = serialization.load_der_private_key(der, password=None)
    return key, x509.load_pem_x509_certificate(row.certificate_pem.encode())


@functools.lru_cache(maxsize=1)
def sm2_maker() -> tuple[sm2.Sm2KeyPair, asn1_x509.Certificate]:
    """The SM2 seal maker's key pair and certificate, parsed once per process."""
    role = Role.SM2_MAKER
    row = PlatformAuthority.objects.get(role=role)
    key_bytes = decrypt(bytes(row.encrypted_private_key), purpose=f"pki-{role}", associated_data=role.encode())
    return sm2.Sm2KeyPair.from_bytes(key_bytes), sm2_maker_certificate()


def sm2_maker_certificate() -> asn1_x509.Certificate:
    row = PlatformAuthority.objects.get(role=Role.SM2_MAKER)
    return asn1_x509.Certificate.load(asn1_pem.unarmor(row.certificate_pem.encode())[2])


def certificate(role: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(PlatformAuthority.objects.get(role=role).certificate_pem.encode())


REASONS = {
    Seal.Status.REVOKED: x509.ReasonFlags.key_compromise,
    Seal.Status.SUSPENDED: x509.ReasonFlags.certificate_hold,
}


def seal_ca_crl_der() -> bytes:
    """The current CRL of the seal CA: revoked seals, and suspended ones as on hold."""
    key, cert = authority(Role.SEAL_CA)
    rows = Seal.objects.filter(issuer=Seal.Issuer.PLATFORM, status__in=list(REASONS)).values_list(
        "certificate_serial", "status", "status_changed_at"
    )
    entries = [
        ca.RevokedEntry(int(serial, 16), changed_at or dt.datetime.now(dt.UTC), REASONS[status])
        for serial, status, changed_at in rows
    ]
    return ca.build_crl(key, cert, entries).public_bytes(serialization.Encoding.DER)


def root_crl_der() -> bytes:
    """The root CA's CRL: it has revoked nothing it issued (the seal CA and the TSA)."""
    key, cert = authority(Role.ROOT)
    return ca.build_crl(key, cert, []).public_bytes(serialization.Encoding.DER)


def _root_status(serial: int) -> responders.CertificateStatus:
    """The root revokes nothing it issued (the seal CA and TSA certificates); any other
    serial is unknown."""
    return responders.CertificateStatus(issued=issued_by(Role.ROOT, serial))


def _seal_status(serial: int) -> responders.CertificateStatus:
    """A platform seal's status for OCSP, from the same rows as the CRL: revoked, on hold
    while suspended, otherwise good if the seal CA issued it (a seal or a person's
    certificate), unknown if it never did."""
    row = (
        Seal.objects.filter(issuer=Seal.Issuer.PLATFORM, certificate_serial=f"{serial:x}", status__in=list(REASONS))
        .values_list("status", "status_changed_at")
        .first()
    )
    if row is None:
        return responders.CertificateStatus(issued=issued_by(Role.SEAL_CA, serial))
    status, changed_at = row
    return responders.CertificateStatus(revoked_at=changed_at or dt.datetime.now(dt.UTC), reason=REASONS[status])


def ocsp_reply_der(body: bytes) -> bytes:
    """The OCSP answer for the root CA (seal CA, TSA: never revoked) and the seal CA;
    "unknown" for serials neither issued."""
    root_key, root_cert = authority(Role.ROOT)
    seal_ca_key, seal_ca_cert = authority(Role.SEAL_CA)
    issuers = [
        responders.OcspIssuer(root_key, root_cert, _root_status),
        responders.OcspIssuer(seal_ca_key, seal_ca_cert, _seal_status),
    ]
    return responders.ocsp_reply(body, issuers=issuers, now=dt.datetime.now(dt.UTC))


def timestamp_reply_der(body: bytes) -> bytes:
    """The platform TSA's RFC 3161 answer, signed with its key under MASTER_KEY."""
    tsa_key, tsa_cert = authority(Role.TSA)
    _, root_cert = authority(Role.ROOT)
    return responders.timestamp_reply(
        body, tsa_key=tsa_key, tsa_cert=tsa_cert, chain=[root_cert], now=dt.datetime.now(dt.UTC)
    )
