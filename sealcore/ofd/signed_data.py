"""The value of an OFD signature of type Sign: a detached SM2 SignedData (GB/T 35275, or the
same structure under the PKCS#7 object identifiers, as found in the field) over the bytes of
Signature.xml, signed SM3withSM2 directly or through signed attributes (messageDigest = SM3
of Signature.xml)."""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import cms, core

from sealcore import sm2

GBT35275_DATA = "1.2.156.10197.6.1.4.2.1"
GBT35275_SIGNED_DATA = "1.2.156.10197.6.1.4.2.2"
PKCS7_SIGNED_DATA = "1.2.840.113549.1.7.2"
SM2_SIGN_OID = "1.2.156.10197.1.301.1"
SIGNATURE_ALGORITHMS = (sm2.SM3_WITH_SM2_OID, SM2_SIGN_OID)


class MalformedSignedData(ValueError):
    pass


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def _tlv(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the DER element at `offset`."""
    if offset + 2 > len(data):
        raise MalformedSignedData("truncated")
    tag, first = data[offset], data[offset + 1]
    start = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or start + count > len(data):
            raise MalformedSignedData("bad length")
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    if start + length > len(data):
        raise MalformedSignedData("truncated")
    return tag, start, start + length


def build(*, sign, signer_certificate: bytes, content: bytes) -> bytes:
    """A detached GB/T 35275 SignedData; `sign` returns SM3withSM2 (DER) of `content`."""
    certificate = sm2.load_certificate(signer_certificate)
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": sm2.SM3_OID}],
            "encap_content_info": {"content_type": GBT35275_DATA},
            "certificates": [certificate],
            "signer_infos": [
                {
                    "version": "v1",
                    "sid": {
                        "issuer_and_serial_number": {
                            "issuer": certificate.issuer,
                            "serial_number": certificate.serial_number,
                        }
                    },
                    "digest_algorithm": {"algorithm": sm2.SM3_OID},
                    "signature_algorithm": {"algorithm": SM2_SIGN_OID},
                    "signature": sign(content),
                }
            ],
        }
    )
    return _der(0x30, core.ObjectIdentifier(GBT35275_SIGNED_DATA).dump() + _der(0xA0, signed_data.dump()))


@dataclass(frozen=True)
class SignedDataInfo:
    signer_certificate: bytes  # DER, empty when the package does not carry it
    signature: bytes
    signed_bytes: bytes  # what the signature is over
    digest_ok: bool  # messageDigest (if any) is SM3 of the content
    algorithm: str


def parse(der: bytes, content: bytes) -> SignedDataInfo:
    try:
        tag, start, end = _tlv(der, 0)
        if tag != 0x30 or end != len(der):
            raise MalformedSignedData("not a SignedData")
        tag, oid_start, oid_end = _tlv(der, start)
        content_type = core.ObjectIdentifier.load(der[start:oid_end]).dotted
        if tag != 0x06 or content_type not in (GBT35275_SIGNED_DATA, PKCS7_SIGNED_DATA):
            raise MalformedSignedData(f"not a SignedData ({content_type})")
        tag, inner_start, inner_end = _tlv(der, oid_end)
        if tag != 0xA0:
            raise MalformedSignedData("not a SignedData")
        signed_data = cms.SignedData.load(der[inner_start:inner_end], strict=True)
        signed_data.native  # noqa: B018 - forces the lazy parse so errors surface here
        infos = signed_data["signer_infos"]
        if len(infos) != 1:
            raise MalformedSignedData("one signer expected")
        info = infos[0]
        certificates = [item.chosen for item in signed_data["certificates"] or []]
        signer = _signer_certificate(info, certificates)
        algorithm = info["signature_algorithm"]["algorithm"].dotted
        signature = bytes(info["signature"].native)
        attributes = info["signed_attrs"]
        if attributes.native is None or len(attributes) == 0:
            return SignedDataInfo(signer, signature, content, True, algorithm)
        digests = [attr["values"][0].native for attr in attributes if attr["type"].native == "message_digest"]
        digest_ok = len(digests) == 1 and digests[0] == sm2.sm3(content)
        signed = b"\x31" + attributes.dump()[1:]  # [0] IMPLICIT back to SET OF
        return SignedDataInfo(signer, signature, signed, digest_ok, algorithm)
    except MalformedSignedData:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise MalformedSignedData(f"malformed SignedData: {exc}") from exc


def is_bare_signature(value: bytes) -> bool:
    """An SM2 signature value on its own (DER SEQUENCE {r, s} or 64 raw bytes r ‖ s), as
    some producers write for type Sign: without the certificate it cannot be checked."""
    if len(value) == 64 and value[:1] != b"\x30":
        return True
    try:
        tag, start, end = _tlv(value, 0)
        if tag != 0x30 or end != len(value):
            return False
        first, _s, first_end = _tlv(value, start)
        second, _s2, second_end = _tlv(value, first_end)
        return first == 0x02 and second == 0x02 and second_end == end
    except MalformedSignedData:
        return False


def _signer_certificate(info, certificates) -> bytes:
    sid = info["sid"]
    for certificate in certificates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if certificate.issuer == wanted["issuer"] and certificate.serial_number == wanted["serial_number"].native:
                return certificate.dump()
        elif certificate.key_identifier == sid.chosen.native:
            return certificate.dump()
    return b""
