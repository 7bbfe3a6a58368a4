"""SM2 keys, SM3 hashes and X.509 certificates with SM2 keys (GM/T 0015). Plain functions.

The curve arithmetic is GmSSL's (through `gmssl-pyx`): keys are raw bytes there (private
scalar 32 bytes, public point x||y 64 bytes) and signatures DER SEQUENCE {r, s}.
`cryptography` cannot build certificates with SM2 keys or SM3withSM2 signatures, so they
are assembled with asn1crypto and the DER of the TBSCertificate is signed here.
Every signature uses the default signer id "1234567812345678" (GM/T 0009), as the
national standards and the certificates of Chinese CAs do.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import gmssl_pyx
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509

SM2_CURVE_OID = "1.2.156.10197.1.301"
SM3_WITH_SM2_OID = "1.2.156.10197.1.501"
SM3_OID = "1.2.156.10197.1.401"
EC_PUBLIC_KEY_OID = "1.2.840.10045.2.1"
SIGNER_ID = gmssl_pyx.SM2_DEFAULT_SIGNER_ID

CA_VALIDITY = dt.timedelta(days=365 * 10)
SEAL_CERT_VALIDITY = dt.timedelta(days=365 * 3)


@dataclass(frozen=True)
class Sm2KeyPair:
    private_key: bytes  # 32-byte scalar
    public_key: bytes  # 64 bytes: x || y

    def to_bytes(self) -> bytes:
        return self.private_key + self.public_key

    @classmethod
    def from_bytes(cls, data: bytes) -> Sm2KeyPair:
        if len(data) != 96:
            raise ValueError("an SM2 key pair is 96 bytes")
        return cls(private_key=data[:32], public_key=data[32:])


def generate_key_pair() -> Sm2KeyPair:
    public_key, private_key = gmssl_pyx.sm2_key_generate()
    return Sm2KeyPair(private_key=private_key, public_key=public_key)


def sm3(data: bytes) -> bytes:
    return gmssl_pyx.sm3_hash(data)


# The SM2 curve (GB/T 32918.5): its coefficients and base point go into Z, n is the order.
_CURVE_A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
_CURVE_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
_BASE_X = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
_BASE_Y = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
_ORDER = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
_CURVE_PART_OF_Z = b"".join(value.to_bytes(32, "big") for value in (_CURVE_A, _CURVE_B, _BASE_X, _BASE_Y))


def signer_z(public_key: bytes) -> bytes:
    """Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) (GB/T 32918.2 §5.5), hashed before the message."""
    return sm3((len(SIGNER_ID) * 8).to_bytes(2, "big") + SIGNER_ID + _CURVE_PART_OF_Z + public_key)


def sign(key_pair: Sm2KeyPair, message: bytes) -> bytes:
    """SM3withSM2 over `message` (with the signer id's Z value); DER r, s.

    GB/T 32918.2 §6.1, with GmSSL doing the parts that need care: the one-time k and the
    point k·G come from its key generation (the system's random source, its constant-time
    base-point code). GmSSL's own signing takes ~3 ms, nearly all of it inverting (1 + d)
    with its generic arithmetic, against ~0.2 ms here; the inverse is Fermat's (a fixed
    exponent, so the steps do not depend on the key). The tests check every signature
    against GmSSL's and gmssl's verification."""
    d = int.from_bytes(key_pair.private_key, "big")
    if not 0 < d < _ORDER - 1:  # (1 + d) would have no inverse: every s would be 0
        raise ValueError("not an SM2 private key")
    e = int.from_bytes(sm3(signer_z(key_pair.public_key) + message), "big")
    inverse = pow(1 + d, _ORDER - 2, _ORDER)
    while True:
        point, scalar = gmssl_pyx.sm2_key_generate()
        k, x1 = int.from_bytes(scalar, "big"), int.from_bytes(point[:32], "big")
        r = (e + x1) % _ORDER
        if r == 0 or r + k == _ORDER:
            continue
        s = inverse * (k - r * d) % _ORDER
        if s:
            body = _der_integer(r.to_bytes(32, "big")) + _der_integer(s.to_bytes(32, "big"))
            return b"\x30" + bytes([len(body)]) + body


def _der_integer(value: bytes) -> bytes:
    value = value.lstrip(b"\x00") or b"\x00"
    if value[0] & 0x80:
        value = b"\x00" + value
    return b"\x02" + bytes([len(value)]) + value


def signature_der(signature: bytes) -> bytes:
    """The DER SEQUENCE {r, s} of an SM2 signature as producers in the field write it: DER;
    64 raw bytes r ‖ s; or DER whose trailing zero byte an encoder trimmed (a BIT STRING's
    "trailing zero bits"), one byte short of its declared length. Only the encoding is
    repaired: the values must still verify."""
    if len(signature) == 64 and signature[:1] != b"\x30":
        body = _der_integer(signature[:32]) + _der_integer(signature[32:])
        return b"\x30" + bytes([len(body)]) + body
    if len(signature) >= 2 and signature[0] == 0x30 and signature[1] < 0x80 and signature[1] == len(signature) - 1:
        return signature + b"\x00"
    return signature


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """False for a wrong signature and for any malformed key or signature, never an exception."""
    if len(public_key) != 64 or not signature:
        return False
    signature = signature_der(signature)
    try:
        return bool(gmssl_pyx.sm2_verify(public_key, message, signature, signer_id=SIGNER_ID))
    except (gmssl_pyx.GmsslInnerError, ValueError, TypeError):
        return False


def public_key_info(public_key: bytes) -> asn1_keys.PublicKeyInfo:
    return asn1_keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": EC_PUBLIC_KEY_OID,
                "parameters": asn1_keys.ECDomainParameters(name="named", value=SM2_CURVE_OID),
            },
            "public_key": b"\x04" + public_key,
        }
    )


def certificate_public_key(certificate: asn1_x509.Certificate) -> bytes | None:
    """The 64-byte SM2 public key of a certificate, None if it holds another kind of key."""
    try:
        info = certificate["tbs_certificate"]["subject_public_key_info"]
        parameters = info["algorithm"]["parameters"]
        if info["algorithm"]["algorithm"].dotted != EC_PUBLIC_KEY_OID or parameters.name != "named":
            return None
        if parameters.chosen.dotted != SM2_CURVE_OID:
            return None
        point = bytes(info["public_key"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if len(point) != 65 or point[0] != 4:
        return None
    return point[1:]


def name(*, common_name: str, organization: str = "Sealhub", extra: dict | None = None) -> asn1_x509.Name:
    attributes = {"country_name": "CN", "organization_name": organization}
    attributes.update(extra or {})
    attributes["common_name"] = common_name
    return asn1_x509.Name.build(attributes, use_printable=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _key_identifier(public_key: bytes) -> bytes:
    return sm3(b"\x04" + public_key)[:20]


def issue_certificate(
    *,
    issuer_key: Sm2KeyPair,
    issuer_name: asn1_x509.Name,
    subject_name: asn1_x509.Name,
    subject_public_key: bytes,
    validity: dt.timedelta,
    is_ca: bool,
    not_after_limit: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> asn1_x509.Certificate:
    """An X.509 v3 certificate with an SM2 key, signed SM3withSM2 by `issuer_key`."""
    not_before = now or _now()
    not_after = not_before + validity
    if not_after_limit is not None:
        not_after = min(not_after, not_after_limit)
    key_usage = (
        {"digital_signature", "key_cert_sign", "crl_sign"} if is_ca else {"digital_signature", "non_repudiation"}
    )
    extensions = [
        {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": is_ca}},
        {"extn_id": "key_usage", "critical": True, "extn_value": key_usage},
        {"extn_id": "key_identifier", "critical": False, "extn_value": _key_identifier(subject_public_key)},
        {
            "extn_id": "authority_key_identifier",
            "critical": False,
            "extn_value": {"key_identifier": _key_identifier(issuer_key.public_key)},
        },
    ]
    tbs = asn1_x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": secrets.randbits(127) | (1 << 126),
            "signature": {"algorithm": SM3_WITH_SM2_OID},
            "issuer": issuer_name,
            "validity": {
                "not_before": asn1_x509.Time(name="utc_time", value=not_before),
                "not_after": asn1_x509.Time(name="utc_time", value=not_after),
            },
            "subject": subject_name,
            "subject_public_key_info": public_key_info(subject_public_key),
            "extensions": extensions,
        }
    )
    return asn1_x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": {"algorithm": SM3_WITH_SM2_OID},
            "signature_value": sign(issuer_key, tbs.dump()),
        }
    )


def create_maker_authority(
    common_name: str = "Sealhub SM2 Seal Maker", *, now: dt.datetime | None = None
) -> tuple[Sm2KeyPair, asn1_x509.Certificate]:
    """The platform's seal maker (制章者): a self-signed SM2 certificate whose key signs
    every SESeal the platform issues."""
    key_pair = generate_key_pair()
    subject = name(common_name=common_name)
    certificate = issue_certificate(
        issuer_key=key_pair,
        issuer_name=subject,
        subject_name=subject,
        subject_public_key=key_pair.public_key,
        validity=CA_VALIDITY,
        is_ca=True,
        now=now,
    )
    return key_pair, certificate


def issue_seal_certificate(
    *,
    maker_key: Sm2KeyPair,
    maker_certificate: asn1_x509.Certificate,
    subject_name: asn1_x509.Name,
    public_key: bytes,
    now: dt.datetime | None = None,
) -> asn1_x509.Certificate:
    return issue_certificate(
        issuer_key=maker_key,
        issuer_name=maker_certificate.subject,
        subject_name=subject_name,
        subject_public_key=public_key,
        validity=SEAL_CERT_VALIDITY,
        is_ca=False,
        not_after_limit=maker_certificate["tbs_certificate"]["validity"]["not_after"].native,
        now=now,
    )


def certificate_signed_by(certificate: asn1_x509.Certificate, issuer: asn1_x509.Certificate) -> bool:
    """True if `issuer`'s SM2 key made `certificate`'s SM3withSM2 signature and the names chain."""
    issuer_key = certificate_public_key(issuer)
    try:
        if issuer_key is None or certificate["signature_algorithm"]["algorithm"].dotted != SM3_WITH_SM2_OID:
            return False
        if not _same_name(certificate.issuer, issuer.subject):
            return False
        tbs = getattr(certificate, "original_tbs", None) or certificate["tbs_certificate"].dump()
        return verify(issuer_key, tbs, bytes(certificate["signature_value"]))
    except (ValueError, TypeError, KeyError):
        return False


def certificate_valid_at(certificate: asn1_x509.Certificate, moment: dt.datetime) -> bool:
    validity = certificate["tbs_certificate"]["validity"]
    return validity["not_before"].native <= moment <= validity["not_after"].native


def load_certificate(der: bytes) -> asn1_x509.Certificate:
    """Parse a certificate fully (asn1crypto parses lazily); ValueError if it is malformed.

    One deviation is accepted: name attributes whose text is not in the string type's
    character set (a Chinese CA writes UTF-8 into IA5String emailAddress). The bytes are
    signed as they are, so nothing checked depends on decoding them; `display_name` shows
    them as UTF-8."""
    try:
        certificate = asn1_x509.Certificate.load(der, strict=True)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError("malformed certificate") from exc
    try:
        certificate.native  # noqa: B018 - forces the lazy parse so errors surface here
    except UnicodeDecodeError:
        _check_all_but_name_text(certificate)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError("malformed certificate") from exc
    # asn1crypto re-encodes what is not DER (a default value written out, as a provincial
    # CA writes `cA FALSE`): comparisons and the issuer's signature use the bytes as given.
    certificate.original_der = der
    certificate.original_tbs = _first_element(der)
    return certificate


def original_der(certificate: asn1_x509.Certificate) -> bytes:
    return getattr(certificate, "original_der", None) or certificate.dump()


def _first_element(der: bytes) -> bytes | None:
    """The first element inside the outer SEQUENCE (a certificate's TBSCertificate), as stored."""

    def header(offset: int) -> tuple[int, int] | None:
        if offset + 2 > len(der):
            return None
        first = der[offset + 1]
        if first < 0x80:
            return offset + 2, first
        count = first & 0x7F
        if not 0 < count <= 4 or offset + 2 + count > len(der):
            return None
        return offset + 2 + count, int.from_bytes(der[offset + 2 : offset + 2 + count], "big")

    outer = header(0)
    if outer is None:
        return None
    inner = header(outer[0])
    if inner is None or inner[0] + inner[1] > len(der):
        return None
    return der[outer[0] : inner[0] + inner[1]]


def _check_all_but_name_text(certificate: asn1_x509.Certificate) -> None:
    try:
        tbs = certificate["tbs_certificate"]
        for field in ("version", "serial_number", "signature", "validity", "subject_public_key_info", "extensions"):
            tbs[field].native  # noqa: B018
        certificate["signature_algorithm"].native  # noqa: B018
        certificate["signature_value"].native  # noqa: B018
        for name in (tbs["issuer"], tbs["subject"]):
            for rdn in name.chosen:
                for type_value in rdn:
                    type_value["type"].native  # noqa: B018
                    type_value["value"].contents  # noqa: B018
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError("malformed certificate") from exc


def _same_name(first: asn1_x509.Name, second: asn1_x509.Name) -> bool:
    try:
        return first == second
    except ValueError:  # text that does not decode: the encodings must match exactly
        return first.dump() == second.dump()


def display_name(name: asn1_x509.Name) -> str:
    """A certificate name for people, also when its text does not decode as its type says."""
    try:
        return name.human_friendly
    except ValueError:
        parts = []
        for rdn in name.chosen:
            for type_value in rdn:
                raw = type_value["value"].chosen.contents if hasattr(type_value["value"], "chosen") else b""
                raw = raw or type_value["value"].contents or b""
                text = raw.decode("utf-8", errors="replace")
                parts.append(f"{type_value['type'].human_friendly}: {text}")
        return ", ".join(reversed(parts))
