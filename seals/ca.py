"""The platform PKI: root CA, seal CA, timestamp authority, seal certificates and CRLs.
Plain functions over `cryptography` objects; storage and secrets live elsewhere."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

ROOT_VALIDITY = dt.timedelta(days=365 * 20)
SEAL_CA_VALIDITY = dt.timedelta(days=365 * 10)
TSA_VALIDITY = dt.timedelta(days=365 * 10)
SEAL_CERT_VALIDITY = dt.timedelta(days=365 * 3)


@dataclass(frozen=True)
class SealSubject:
    company_name: str
    uscc: str
    seal_code: str
    seal_name: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _name(common_name: str, organization: str = "Sealhub") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_key():
    return ec.generate_private_key(ec.SECP384R1())


def create_root_ca(common_name: str = "Sealhub Root CA"):
    key = _ca_key()
    name = _name(common_name)
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + ROOT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA384())
    )
    return key, cert


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _signing_key_usage() -> x509.KeyUsage:
    """Signatures with non-repudiation (content commitment): seals and timestamps."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _issued_by(issuer_key, issuer_cert, subject: x509.Name, public_key, validity: dt.timedelta):
    now = _now()
    not_after = min(now + validity, issuer_cert.not_valid_after_utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )


def _crl_distribution(crl_url: str | None, ocsp_url: str | None = None) -> list:
    """Where a validator learns whether the certificate was revoked: the issuer's CRL and
    its OCSP responder (authority information access)."""
    extensions = []
    if crl_url:
        point = x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None, reasons=None, crl_issuer=None
        )
        extensions.append(x509.CRLDistributionPoints([point]))
    if ocsp_url:
        access = x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))
        extensions.append(x509.AuthorityInformationAccess([access]))
    return extensions


def create_subordinate_ca(
    root_key, root_cert, common_name: str = "Sealhub Seal CA", crl_url: str | None = None, ocsp_url: str | None = None
):
    key = _ca_key()
    builder = (
        _issued_by(root_key, root_cert, _name(common_name), key.public_key(), SEAL_CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
    )
    for extension in _crl_distribution(crl_url, ocsp_url):
        builder = builder.add_extension(extension, critical=False)
    return key, builder.sign(root_key, hashes.SHA384())


def create_timestamp_authority(
    root_key,
    root_cert,
    common_name: str = "Sealhub Timestamp Authority",
    crl_url: str | None = None,
    ocsp_url: str | None = None,
):
    # RSA: pyHanko's in-process RFC 3161 responder signs with PKCS#1 v1.5 only (docs/library-notes.md).
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    builder = (
        _issued_by(root_key, root_cert, _name(common_name), key.public_key(), TSA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _signing_key_usage(),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    )
    for extension in _crl_distribution(crl_url, ocsp_url):
        builder = builder.add_extension(extension, critical=False)
    return key, builder.sign(root_key, hashes.SHA384())


def create_evidence_seal(
    ca_key, ca_cert, common_name: str = "Sealhub Evidence Seal", crl_url: str | None = None, ocsp_url: str | None = None
):
    """The platform's own seal, issued by the seal CA like any company seal: it seals the
    evidence reports and signs the manifests of evidence packages."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        _issued_by(ca_key, ca_cert, _name(common_name), key.public_key(), SEAL_CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_signing_key_usage(), critical=True)
    )
    for extension in _crl_distribution(crl_url, ocsp_url):
        builder = builder.add_extension(extension, critical=False)
    return key, builder.sign(ca_key, hashes.SHA256())


def recertify(issuer_key, issuer_cert, certificate: x509.Certificate, *, crl_url: str, ocsp_url: str):
    """The same subject and key, newly issued with CRL and OCSP locations (for authorities
    made before the platform had an OCSP responder). What the old certificate's key signed
    still chains: issuer name and key identifier are unchanged."""
    moved = (x509.CRLDistributionPoints, x509.AuthorityInformationAccess)
    own = (x509.SubjectKeyIdentifier, x509.AuthorityKeyIdentifier)
    builder = _issued_by(
        issuer_key,
        issuer_cert,
        certificate.subject,
        certificate.public_key(),
        certificate.not_valid_after_utc - _now(),
    )
    for extension in certificate.extensions:
        if not isinstance(extension.value, moved + own):
            builder = builder.add_extension(extension.value, critical=extension.critical)
    for extension in _crl_distribution(crl_url, ocsp_url):
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(issuer_key, hashes.SHA384())


def seal_subject_name(subject: SealSubject) -> x509.Name:
    """Company name (O), USCC (organizationIdentifier), seal code (serialNumber) and the
    seal's own name (CN): a validator sees exactly whose seal signed."""
    attributes = [
        (NameOID.COUNTRY_NAME, "CN"),
        (NameOID.ORGANIZATION_NAME, subject.company_name),
        (NameOID.ORGANIZATION_IDENTIFIER, subject.uscc),
        (NameOID.SERIAL_NUMBER, subject.seal_code),  # empty in the request: the code is given at approval
        (NameOID.COMMON_NAME, subject.seal_name),
    ]
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes if value])


def build_csr(private_key, subject: SealSubject) -> x509.CertificateSigningRequest:
    algorithm = hashes.SHA256()
    return x509.CertificateSigningRequestBuilder().subject_name(seal_subject_name(subject)).sign(private_key, algorithm)


def issue_seal_certificate(
    ca_key,
    ca_cert,
    csr: x509.CertificateSigningRequest,
    subject: SealSubject,
    crl_url: str | None = None,
    ocsp_url: str | None = None,
):
    """The subject comes from the reviewed application, not from the CSR: the CSR only
    proves possession of the key."""
    if not csr.is_signature_valid:
        raise ValueError("the certificate request's signature is not valid")
    builder = (
        _issued_by(ca_key, ca_cert, seal_subject_name(subject), csr.public_key(), SEAL_CERT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _signing_key_usage(),
            critical=True,
        )
    )
    for extension in _crl_distribution(crl_url, ocsp_url):
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(ca_key, hashes.SHA256())


PERSON_CERT_VALIDITY = dt.timedelta(days=365)


def issue_person_certificate(
    ca_key, ca_cert, public_key, *, name: str, email: str, crl_url: str | None = None, ocsp_url: str | None = None
):
    """A one-off certificate for a person who signs an envelope after proving control of
    their email (event certificate): name (CN) and email, nothing more is vouched for."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.COMMON_NAME, name[:64]),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, email[:128]),
        ]
    )
    builder = (
        _issued_by(ca_key, ca_cert, subject, public_key, PERSON_CERT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_signing_key_usage(), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
    )
    for extension in _crl_distribution(crl_url, ocsp_url):
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(ca_key, hashes.SHA256())


@dataclass(frozen=True)
class RevokedEntry:
    serial_number: int
    revoked_at: dt.datetime
    reason: x509.ReasonFlags


def build_crl(ca_key, ca_cert, entries: list[RevokedEntry], *, next_update: dt.timedelta = dt.timedelta(days=1)):
    now = _now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + next_update)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    for entry in entries:
        revoked = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial_number)
            .revocation_date(entry.revoked_at)
            .add_extension(x509.CRLReason(entry.reason), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(revoked)
    return builder.sign(ca_key, hashes.SHA384())
