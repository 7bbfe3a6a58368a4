"""A simulated U-key for tests: a SoftHSM2 token in a temporary directory with an EC key
and its certificate from a test CA (cryptography), like a CA would deliver it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)
LABEL = "sealhub-test"
PIN = "246810"
SO_PIN = "13579111"


def softhsm_missing_reason() -> str | None:
    if shutil.which("softhsm2-util") is None:
        return "softhsm2 is not installed (Debian package softhsm2; .ci/system-packages installs it as root)"
    if module_path() is None:
        return "the SoftHSM2 PKCS#11 module libsofthsm2.so was not found"
    return None


def module_path() -> str | None:
    return next((path for path in MODULE_CANDIDATES if os.path.exists(path)), None)


@dataclass
class CertificateAuthority:
    key: object
    certificate: x509.Certificate

    @classmethod
    def create(cls, name: str = "Test U-key CA") -> CertificateAuthority:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, name), x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
        )
        now = dt.datetime.now(dt.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(key, certificate)

    def issue(self, public_key, *, company_name: str, uscc: str, common_name: str) -> x509.Certificate:
        now = dt.datetime.now(dt.UTC)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, company_name),
                x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, uscc),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class SoftToken:
    directory: Path
    module: str
    label: str
    pin: str
    certificate: x509.Certificate

    @property
    def environment(self) -> dict:
        return {"SOFTHSM2_CONF": str(self.directory / "softhsm2.conf")}

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def create_token(
    directory: Path, ca: CertificateAuthority, *, company_name: str, uscc: str, key_id: bytes = b"\x01"
) -> SoftToken:
    """Init a token, generate a key pair on it, store the certificate the CA issues for
    it next to the key (same CKA_ID), as CAs deliver U-keys."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    (directory / "tokens").mkdir(parents=True, exist_ok=True)
    config = directory / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    # SoftHSM2 reads its configuration when the module is first initialised in a process.
    os.environ["SOFTHSM2_CONF"] = str(config)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", LABEL, "--so-pin", SO_PIN, "--pin", PIN],
        check=True,
        capture_output=True,
        env=dict(os.environ),
    )
    module = module_path()
    library = pkcs11.lib(module)
    if hasattr(library, "reinitialize"):
        library.reinitialize()  # see a token another process created after the first load
    token = library.get_token(token_label=LABEL)
    with token.open(rw=True, user_pin=PIN) as session:
        parameters = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True
        )
        public, _private = parameters.generate_keypair(store=True, label="seal", id=key_id)
        public_key = serialization.load_der_public_key(encode_ec_public_key(public))
        certificate = ca.issue(public_key, company_name=company_name, uscc=uscc, common_name=f"{company_name} U-key")
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.ID: key_id,
                Attribute.LABEL: "seal",
                Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
                Attribute.SUBJECT: certificate.subject.public_bytes(),
            }
        )
    return SoftToken(directory=directory, module=module, label=LABEL, pin=PIN, certificate=certificate)
