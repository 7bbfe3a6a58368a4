"""Electronic seals and seal signatures in the national format: GB/T 38540-2020 (`SESeal` and
`SES_Signature`, version 4), reading GM/T 0031-2014 (version 1) as well. Plain functions over
bytes; SM2/SM3 from sealcore/sm2.py.

What is signed follows the implementations in the field: the maker signs the DER of
`SES_SealInfo` (v4) or of SEQUENCE {sealInfo, cert, signatureAlgorithm} (v1); the signer
signs the DER of `TBS_Sign`; the optional timestamp (an RFC 3161 token) is over the
signature value. Verification never raises: it returns the steps in the order of
GB/T 38540 with the first one that failed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from sealcore import sm2

HEADER_ID = "ES"
VERSION_4 = 4
VERSION_1 = 1
VENDOR_ID = "Sealhub"
SEAL_TYPE_ORGANISATION = 1
SEAL_TYPE_PERSONAL = 2
CERT_LIST_CERTIFICATES = 1
CERT_LIST_DIGESTS = 2


# ---------------------------------------------------------------------------- ASN.1 (shared)


class Header(core.Sequence):
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class PictureInfo(core.Sequence):
    _fields = [
        ("type", core.IA5String),  # GIF, JPG, PNG, SVG or OFD
        ("data", core.OctetString),
        ("width", core.Integer),  # millimetres
        ("height", core.Integer),
    ]


class ExtData(core.Sequence):
    _fields = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):
    _child_spec = ExtData


class CertInfoList(core.SequenceOf):
    _child_spec = core.OctetString


class CertDigestObj(core.Sequence):
    _fields = [("type", core.PrintableString), ("value", core.OctetString)]


class CertDigestList(core.SequenceOf):
    _child_spec = CertDigestObj


# ---------------------------------------------------------------------------- GB/T 38540 v4


class PropertyInfoV4(core.Sequence):
    # certList is a CHOICE of two untagged SEQUENCE OFs: which one is told by certListType.
    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),
        ("cert_list", core.Any),
        ("create_date", core.GeneralizedTime),
        ("valid_start", core.GeneralizedTime),
        ("valid_end", core.GeneralizedTime),
    ]


class SealInfoV4(core.Sequence):
    _fields = [
        ("header", Header),
        ("es_id", core.IA5String),
        ("property", PropertyInfoV4),
        ("picture", PictureInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SESealV4(core.Sequence):
    _fields = [
        ("eseal_info", SealInfoV4),
        ("cert", core.OctetString),  # the maker's certificate
        ("sign_alg_id", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
    ]


class TbsSignV4(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("eseal", SESealV4),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        # [0] EXPLICIT as GB/T 38540 and the producers in the field write it (ofdrw too).
        ("ext_datas", ExtensionDatas, {"explicit": 0, "optional": True}),
    ]


class SESSignatureV4(core.Sequence):
    _fields = [
        ("to_sign", TbsSignV4),
        ("cert", core.OctetString),  # the signer's certificate
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


# ---------------------------------------------------------------------------- GM/T 0031 v1


class PropertyInfoV1(core.Sequence):
    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list", CertInfoList),
        ("create_date", core.UTCTime),
        ("valid_start", core.UTCTime),
        ("valid_end", core.UTCTime),
    ]


class SealInfoV1(core.Sequence):
    _fields = [
        ("header", Header),
        ("es_id", core.IA5String),
        ("property", PropertyInfoV1),
        ("picture", PictureInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SignInfoV1(core.Sequence):
    _fields = [
        ("cert", core.OctetString),
        ("signature_algorithm", core.ObjectIdentifier),
        ("sign_data", core.OctetBitString),
    ]


class SESealV1(core.Sequence):
    _fields = [("eseal_info", SealInfoV1), ("sign_info", SignInfoV1)]


class TbsSignV1(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("eseal", SESealV1),
        ("time_info", core.OctetBitString),  # a UTCTime (or a timestamp) inside a BIT STRING
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("cert", core.OctetString),
        ("signature_algorithm", core.ObjectIdentifier),
    ]


class SESSignatureV1(core.Sequence):
    _fields = [("to_sign", TbsSignV1), ("signature", core.OctetBitString)]


class MakerSignedV1(core.Sequence):
    """What a GM/T 0031 maker signs."""

    _fields = [("seal_info", SealInfoV1), ("cert", core.OctetString), ("alg", core.ObjectIdentifier)]


# ---------------------------------------------------------------------------- reading


class MalformedSealData(ValueError):
    """Not a seal (or seal signature) of a known version; `step` says what was wrong."""

    def __init__(self, step: str, message: str):
        super().__init__(message)
        self.step = step


@dataclass(frozen=True)
class SealData:
    """An SESeal of either version, flattened to what is shown and checked."""

    version: int
    vendor_id: str
    es_id: str
    seal_type: int
    name: str
    cert_list_type: int
    certificates: list[bytes]  # DER, when the list holds certificates
    certificate_digests: list[tuple[str, bytes]]  # (algorithm, digest), when it holds digests
    created_at: dt.datetime
    valid_from: dt.datetime
    valid_until: dt.datetime
    picture_type: str
    picture: bytes
    width_mm: int
    height_mm: int
    maker_certificate: bytes
    signature_algorithm: str
    signature: bytes
    signed_bytes: tuple[bytes, ...]  # what the maker may have signed (v4 implementations differ)
    der: bytes


def _strict(value):
    value.native  # noqa: B018 - asn1crypto parses lazily; this makes every error surface now
    return value


def _load(spec, der: bytes, step: str):
    try:
        parsed = spec.load(der, strict=True)
        _strict(parsed)
        return parsed
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise MalformedSealData(step, f"malformed {spec.__name__}: {exc}") from exc


def _peek_version(der: bytes, step: str) -> int:
    """The header version of an SESeal (its first field's first field)."""
    try:
        outer = core.Sequence.load(der, strict=True)
        seal_info = core.Sequence.load(outer[0].dump())
        header = Header.load(seal_info[0].dump())
        if header["id"].native != HEADER_ID:
            raise MalformedSealData(step, "the header is not 'ES'")
        return int(header["version"].native)
    except MalformedSealData:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise MalformedSealData(step, f"not an electronic seal: {exc}") from exc


def parse_seal(der: bytes) -> SealData:
    version = _peek_version(der, "structure")
    if version == VERSION_4:
        return _seal_v4(_load(SESealV4, der, "structure"), der)
    if version == VERSION_1:
        return _seal_v1(_load(SESealV1, der, "structure"), der)
    raise MalformedSealData("version", f"unknown seal version {version}")


def _cert_list(cert_list_type: int, cert_list: core.Any) -> tuple[list[bytes], list[tuple[str, bytes]]]:
    raw = cert_list.dump()
    try:
        if cert_list_type == CERT_LIST_CERTIFICATES:
            return [bytes(item.native) for item in _strict(CertInfoList.load(raw, strict=True))], []
        if cert_list_type == CERT_LIST_DIGESTS:
            digests = _strict(CertDigestList.load(raw, strict=True))
            return [], [(item["type"].native, bytes(item["value"].native)) for item in digests]
    except (ValueError, TypeError) as exc:
        raise MalformedSealData("structure", f"malformed certificate list: {exc}") from exc
    raise MalformedSealData("structure", f"unknown certificate list type {cert_list_type}")


def _seal_v4(seal: SESealV4, der: bytes) -> SealData:
    info, prop, picture = seal["eseal_info"], seal["eseal_info"]["property"], seal["eseal_info"]["picture"]
    certificates, digests = _cert_list(prop["cert_list_type"].native, prop["cert_list"])
    maker_signed = SealInfoV4.load(info.dump()).dump()
    return SealData(
        version=VERSION_4,
        vendor_id=info["header"]["vid"].native,
        es_id=info["es_id"].native,
        seal_type=prop["type"].native,
        name=prop["name"].native,
        cert_list_type=prop["cert_list_type"].native,
        certificates=certificates,
        certificate_digests=digests,
        created_at=prop["create_date"].native,
        valid_from=prop["valid_start"].native,
        valid_until=prop["valid_end"].native,
        picture_type=picture["type"].native,
        picture=bytes(picture["data"].native),
        width_mm=picture["width"].native,
        height_mm=picture["height"].native,
        maker_certificate=bytes(seal["cert"].native),
        signature_algorithm=seal["sign_alg_id"].dotted,
        signature=bytes(seal["signed_value"].native),
        signed_bytes=(
            maker_signed,
            # GB/T 38540 read literally: the seal info, the maker certificate and the algorithm.
            maker_signed + seal["cert"].dump() + seal["sign_alg_id"].dump(),
        ),
        der=der,
    )


def _seal_v1(seal: SESealV1, der: bytes) -> SealData:
    info, prop, picture = seal["eseal_info"], seal["eseal_info"]["property"], seal["eseal_info"]["picture"]
    sign_info = seal["sign_info"]
    signed = MakerSignedV1(
        {"seal_info": info.copy(), "cert": sign_info["cert"].copy(), "alg": sign_info["signature_algorithm"].copy()}
    ).dump()
    return SealData(
        version=VERSION_1,
        vendor_id=info["header"]["vid"].native,
        es_id=info["es_id"].native,
        seal_type=prop["type"].native,
        name=prop["name"].native,
        cert_list_type=CERT_LIST_CERTIFICATES,
        certificates=[bytes(item) for item in prop["cert_list"].native],
        certificate_digests=[],
        created_at=prop["create_date"].native,
        valid_from=prop["valid_start"].native,
        valid_until=prop["valid_end"].native,
        picture_type=picture["type"].native,
        picture=bytes(picture["data"].native),
        width_mm=picture["width"].native,
        height_mm=picture["height"].native,
        maker_certificate=bytes(sign_info["cert"].native),
        signature_algorithm=sign_info["signature_algorithm"].dotted,
        signature=bytes(sign_info["sign_data"].native),
        signed_bytes=(signed,),
        der=der,
    )


@dataclass(frozen=True)
class SignatureData:
    version: int
    seal: SealData
    signed_at: dt.datetime | None
    data_hash: bytes
    property_info: str
    signer_certificate: bytes
    signature_algorithm: str
    signature: bytes
    timestamp: bytes  # RFC 3161 TimeStampToken DER, or empty
    signed_bytes: bytes
    der: bytes


def _tbs_version(der: bytes) -> int:
    try:
        outer = core.Sequence.load(der, strict=True)
        tbs = core.Sequence.load(outer[0].dump())
        return int(core.Integer.load(tbs[0].dump()).native)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise MalformedSealData("structure", f"not a seal signature: {exc}") from exc


def parse_signature(der: bytes) -> SignatureData:
    version = _tbs_version(der)
    if version == VERSION_4:
        signature = _load(SESSignatureV4, der, "structure")
        tbs = signature["to_sign"]
        stamp = signature["time_stamp"]
        return SignatureData(
            version=VERSION_4,
            seal=_seal_v4(tbs["eseal"], tbs["eseal"].dump()),
            signed_at=tbs["time_info"].native,
            data_hash=bytes(tbs["data_hash"].native),
            property_info=tbs["property_info"].native,
            signer_certificate=bytes(signature["cert"].native),
            signature_algorithm=signature["signature_alg_id"].dotted,
            signature=bytes(signature["signature"].native),
            timestamp=bytes(stamp.native) if stamp.native is not None else b"",
            signed_bytes=TbsSignV4.load(tbs.dump()).dump(),
            der=der,
        )
    if version == VERSION_1:
        signature = _load(SESSignatureV1, der, "structure")
        tbs = signature["to_sign"]
        return SignatureData(
            version=VERSION_1,
            seal=_seal_v1(tbs["eseal"], tbs["eseal"].dump()),
            signed_at=_v1_time(bytes(tbs["time_info"].native)),
            data_hash=bytes(tbs["data_hash"].native),
            property_info=tbs["property_info"].native,
            signer_certificate=bytes(tbs["cert"].native),
            signature_algorithm=tbs["signature_algorithm"].dotted,
            signature=bytes(signature["signature"].native),
            timestamp=b"",
            signed_bytes=TbsSignV1.load(tbs.dump()).dump(),
            der=der,
        )
    raise MalformedSealData("version", f"unknown signature version {version}")


def _v1_time(value: bytes) -> dt.datetime | None:
    """GM/T 0031 puts a UTCTime's DER (or its text) in the BIT STRING; either is read."""
    for attempt in (lambda: core.UTCTime.load(value).native, lambda: core.UTCTime(value.decode("ascii")).native):
        try:
            return attempt()
        except (ValueError, TypeError, UnicodeDecodeError):
            continue
    return None


# ---------------------------------------------------------------------------- building


def _generalized(moment: dt.datetime) -> core.GeneralizedTime:
    return core.GeneralizedTime(moment.astimezone(dt.UTC).replace(microsecond=0))


def build_seal(
    *,
    maker_key: sm2.Sm2KeyPair,
    maker_certificate: bytes,
    es_id: str,
    name: str,
    seal_type: int,
    signer_certificates: list[bytes],
    valid_from: dt.datetime,
    valid_until: dt.datetime,
    picture_png: bytes,
    width_mm: int,
    height_mm: int,
    created_at: dt.datetime | None = None,
    vendor_id: str = VENDOR_ID,
) -> bytes:
    """An SESeal v4 signed SM3withSM2 by the maker (signature over the DER of SES_SealInfo)."""
    seal_info = SealInfoV4(
        {
            "header": {"id": HEADER_ID, "version": VERSION_4, "vid": vendor_id},
            "es_id": es_id,
            "property": {
                "type": seal_type,
                "name": name,
                "cert_list_type": CERT_LIST_CERTIFICATES,
                "cert_list": core.Any.load(CertInfoList(signer_certificates).dump()),
                "create_date": _generalized(created_at or dt.datetime.now(dt.UTC)),
                "valid_start": _generalized(valid_from),
                "valid_end": _generalized(valid_until),
            },
            "picture": {"type": "PNG", "data": picture_png, "width": width_mm, "height": height_mm},
        }
    )
    signed = seal_info.dump()
    return SESealV4(
        {
            "eseal_info": seal_info,
            "cert": maker_certificate,
            "sign_alg_id": sm2.SM3_WITH_SM2_OID,
            "signed_value": sm2.sign(maker_key, signed),
        }
    ).dump()


@functools.lru_cache(maxsize=64)
def loaded_seal(seal_der: bytes) -> SESealV4:
    """The SESeal a signature embeds, parsed once per process and seal: a seal's bytes never
    change, and a worker signs with the same few seals all day. Keyed by the bytes themselves
    (a digest would be as long to compute as the comparison); at most 64 seals are kept.
    Treated as read-only: it is only ever dumped into the signature."""
    return SESealV4.load(seal_der)


def build_signature(
    *,
    signer_key: sm2.Sm2KeyPair | None = None,
    sign: Callable[[bytes], bytes] | None = None,
    signer_certificate: bytes,
    seal_der: bytes,
    data_hash: bytes,
    property_info: str,
    signed_at: dt.datetime,
    timestamp: Callable[[bytes], bytes] | None = None,
) -> bytes:
    """An SES_Signature v4 over `data_hash` (the SM3 of the protected data), signed with
    `signer_key` or by `sign` (SM3withSM2 of the bytes it is given, DER r, s: a key held
    elsewhere). `timestamp` returns an RFC 3161 token for the signature value."""
    if (signer_key is None) == (sign is None):
        raise ValueError("give either signer_key or sign")
    tbs = TbsSignV4(
        {
            "version": VERSION_4,
            "eseal": loaded_seal(seal_der),
            "time_info": _generalized(signed_at),
            "data_hash": data_hash,
            "property_info": property_info,
        }
    )
    signature_value = sm2.sign(signer_key, tbs.dump()) if signer_key is not None else sign(tbs.dump())
    fields = {
        "to_sign": tbs,
        "cert": signer_certificate,
        "signature_alg_id": sm2.SM3_WITH_SM2_OID,
        "signature": signature_value,
    }
    if timestamp is not None:
        fields["time_stamp"] = timestamp(signature_value)
    return SESSignatureV4(fields).dump()


# ---------------------------------------------------------------------------- verifying

OK = "ok"
FAILED = "failed"
SKIPPED = "skipped"

VALID = "valid"
INVALID = "invalid"
CANNOT_VERIFY = "cannot_verify"

# Step details that say "nobody we trust vouches for this", as opposed to "this is wrong".
UNTRUSTED_MAKER = "the seal was not made by a trusted maker"
UNTRUSTED_SIGNER = "the signer certificate is not from a trusted issuer"

SEAL_STEPS = ("structure", "maker_signature", "maker_certificate", "seal_validity")
SIGNATURE_STEPS = (
    "structure",
    "signature_value",
    "signer_listed",
    "maker_signature",
    "maker_certificate",
    "seal_validity",
    "signer_certificate",
    "document_hash",
    "timestamp",
)


@dataclass
class Step:
    name: str
    result: str = SKIPPED
    detail: str = ""


@dataclass
class Trust:
    """What the verifier relies on: maker certificates (DER) it trusts as roots, revoked
    signer certificates (serial number → when), TSA certificates (DER) it trusts."""

    makers: list[bytes] = field(default_factory=list)
    revoked: dict[int, dt.datetime] = field(default_factory=dict)
    timestamp_authorities: list[bytes] = field(default_factory=list)


@dataclass
class Verdict:
    verdict: str
    steps: list[Step]
    failed_step: str = ""
    seal: SealData | None = None
    signature: SignatureData | None = None


def _conclude(steps: list[Step], **kwargs) -> Verdict:
    for step in steps:
        if step.result == FAILED:
            verdict = CANNOT_VERIFY if step.name in ("structure", "version") else INVALID
            return Verdict(verdict, steps, failed_step=step.name, **kwargs)
    return Verdict(VALID, steps, **kwargs)


def _malformed(names: tuple[str, ...], error: MalformedSealData) -> Verdict:
    steps = [Step(name) for name in names]
    steps[0] = Step(error.step, FAILED, str(error))
    return Verdict(CANNOT_VERIFY, steps, failed_step=error.step)


def _maker_steps(seal: SealData, trust: Trust, at: dt.datetime) -> list[Step]:
    """Maker signature, maker certificate (a trusted maker, valid when used), seal validity."""
    steps = []
    try:
        maker = sm2.load_certificate(seal.maker_certificate)
    except ValueError:
        return [
            Step("maker_signature", FAILED, "the maker certificate is malformed"),
            Step("maker_certificate"),
            Step("seal_validity"),
        ]
    maker_key = sm2.certificate_public_key(maker)
    signed = maker_key is not None and seal.signature_algorithm == sm2.SM3_WITH_SM2_OID
    signed = signed and any(sm2.verify(maker_key, data, seal.signature) for data in seal.signed_bytes)
    steps.append(Step("maker_signature", OK if signed else FAILED, "" if signed else "the maker signature is wrong"))
    trusted = any(_same_or_issued_by(maker, anchor) for anchor in trust.makers)
    if not trusted:
        steps.append(Step("maker_certificate", FAILED, UNTRUSTED_MAKER))
    elif not sm2.certificate_valid_at(maker, at):
        steps.append(Step("maker_certificate", FAILED, "the maker certificate was not valid at that time"))
    else:
        steps.append(Step("maker_certificate", OK, sm2.display_name(maker.subject)))
    if seal.valid_from <= at <= seal.valid_until:
        steps.append(Step("seal_validity", OK, f"{seal.valid_from.isoformat()} – {seal.valid_until.isoformat()}"))
    else:
        steps.append(Step("seal_validity", FAILED, "the seal was not valid at that time"))
    return steps


def _same_or_issued_by(certificate: asn1_x509.Certificate, anchor_der: bytes) -> bool:
    if sm2.original_der(certificate) == anchor_der:
        return True
    try:
        return sm2.certificate_signed_by(certificate, sm2.load_certificate(anchor_der))
    except ValueError:
        return False


def verify_seal(der: bytes, *, trust: Trust, at: dt.datetime | None = None) -> Verdict:
    """An `.esl` file on its own: structure, maker signature and certificate, validity now."""
    try:
        seal = parse_seal(der)
    except MalformedSealData as error:
        return _malformed(SEAL_STEPS, error)
    steps = [Step("structure", OK, f"v{seal.version}")]
    steps += _maker_steps(seal, trust, at or dt.datetime.now(dt.UTC))
    return _conclude(steps, seal=seal)


def verify_signature(
    der: bytes, *, protected_data: Callable[[str], bytes | None], trust: Trust, at: dt.datetime | None = None
) -> Verdict:
    """An SES_Signature over the data `protected_data(propertyInfo)` returns (None when the
    property names nothing that can be found). Steps in the order of GB/T 38540."""
    try:
        signature = parse_signature(der)
    except MalformedSealData as error:
        return _malformed(SIGNATURE_STEPS, error)
    steps = [Step("structure", OK, f"v{signature.version}")]
    seal = signature.seal
    try:
        signer = sm2.load_certificate(signature.signer_certificate)
        signer_key = sm2.certificate_public_key(signer)
    except ValueError:
        signer, signer_key = None, None
    good = signer_key is not None and signature.signature_algorithm == sm2.SM3_WITH_SM2_OID
    good = good and sm2.verify(signer_key, signature.signed_bytes, signature.signature)
    steps.append(Step("signature_value", OK if good else FAILED, "" if good else "the signature value is wrong"))
    steps.append(_listed_step(seal, signature.signer_certificate))
    timestamp_step, stamped_at = _timestamp_step(signature, trust)
    moment = stamped_at or signature.signed_at or at or dt.datetime.now(dt.UTC)
    steps += _maker_steps(seal, trust, moment)
    steps.append(signer_certificate_step(signer, trust, moment))
    data = protected_data(signature.property_info)
    if data is None:
        steps.append(Step("document_hash", FAILED, "the protected data named in propertyInfo is not there"))
    elif sm2.sm3(data) != signature.data_hash:
        steps.append(Step("document_hash", FAILED, "the protected data was changed"))
    else:
        steps.append(Step("document_hash", OK, signature.property_info))
    steps.append(timestamp_step)
    return _conclude(steps, seal=seal, signature=signature)


def _listed_step(seal: SealData, signer_der: bytes) -> Step:
    if seal.cert_list_type == CERT_LIST_CERTIFICATES:
        listed = signer_der in seal.certificates
    else:
        listed = any(_digest(algorithm, signer_der) == value for algorithm, value in seal.certificate_digests)
    return Step("signer_listed", OK if listed else FAILED, "" if listed else "the signer is not listed in the seal")


def _digest(algorithm: str, data: bytes) -> bytes | None:
    name = algorithm.upper().replace("-", "")
    if name == "SM3" or algorithm == sm2.SM3_OID:
        return sm2.sm3(data)
    if name in ("SHA1", "SHA256"):
        return hashlib.new(name.lower(), data).digest()
    return None


def signer_certificate_step(signer, trust: Trust, moment: dt.datetime) -> Step:
    """The signer certificate: from a trusted issuer, valid and not revoked at `moment`."""
    if signer is None:
        return Step("signer_certificate", FAILED, "the signer certificate is malformed")
    if not any(_same_or_issued_by(signer, anchor) for anchor in trust.makers):
        return Step("signer_certificate", FAILED, UNTRUSTED_SIGNER)
    if not sm2.certificate_valid_at(signer, moment):
        return Step("signer_certificate", FAILED, "the signer certificate was not valid at the signing time")
    revoked_at = trust.revoked.get(signer.serial_number)
    if revoked_at is not None and revoked_at <= moment:
        # Revoked after the (timestamped) signing time: the signature still counts.
        return Step("signer_certificate", FAILED, "the signer certificate is revoked")
    return Step("signer_certificate", OK, sm2.display_name(signer.subject))


def _timestamp_step(signature: SignatureData, trust: Trust) -> tuple[Step, dt.datetime | None]:
    if not signature.timestamp:
        return Step("timestamp", SKIPPED, "no timestamp"), None
    try:
        stamped_at = timestamp_check(signature.timestamp, signature.signature, trust.timestamp_authorities)
    except ValueError as error:
        return Step("timestamp", FAILED, str(error)), None
    return Step("timestamp", OK, stamped_at.isoformat()), stamped_at


def timestamp_check(token_der: bytes, stamped: bytes, authorities: list[bytes]) -> dt.datetime:
    """The time of an RFC 3161 token over `stamped`, after checking its imprint, its
    signature and that a trusted TSA made it. ValueError otherwise."""
    try:
        token = _strict(cms.ContentInfo.load(token_der, strict=True))
        signed_data = token["content"]
        tst_info = signed_data["encap_content_info"]["content"].parsed
        imprint = tst_info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if hashlib.new(algorithm, stamped).digest() != imprint["hashed_message"].native:
            raise ValueError("the timestamp is for other data")
        signer_info = signed_data["signer_infos"][0]
        certificates = [c.chosen.dump() for c in signed_data["certificates"]]
        tsa_der = next((der for der in certificates if der in authorities), None)
        if tsa_der is None:
            raise ValueError("the timestamp is not from a trusted authority")
        attributes = {attr["type"].native: attr["values"][0] for attr in signer_info["signed_attrs"]}
        content = signed_data["encap_content_info"]["content"].contents
        digest_algorithm = signer_info["digest_algorithm"]["algorithm"].native
        if attributes["message_digest"].native != hashlib.new(digest_algorithm, content).digest():
            raise ValueError("the timestamp's content does not match its signature")
        signed_attrs = b"\x31" + signer_info["signed_attrs"].dump()[1:]  # [0] IMPLICIT back to SET OF
        public_key = x509.load_der_x509_certificate(tsa_der).public_key()
        hash_algorithm = getattr(hashes, digest_algorithm.upper())()
        value = signer_info["signature"].native
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(value, signed_attrs, padding.PKCS1v15(), hash_algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(value, signed_attrs, ec.ECDSA(hash_algorithm))
        else:
            raise ValueError("the timestamp's key type is not supported")
        return tst_info["gen_time"].native
    except InvalidSignature as exc:
        raise ValueError("the timestamp's signature is wrong") from exc
    except (KeyError, TypeError, IndexError, AttributeError, StopIteration) as exc:
        raise ValueError("the timestamp is malformed") from exc
