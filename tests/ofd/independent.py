"""An independent checker for OFD signatures, sharing no code with sealcore: the zip is read
with zipfile, the XML with xml.etree, the ASN.1 positionally with asn1crypto's generic types,
and SM2/SM3 are the pure-Python `gmssl` package (the product uses GmSSL through gmssl-pyx).
It checks what GM/T 0099 asks: every CheckValue, the SES_Signature's dataHash over the whole
Signature.xml, the signer's SM2 signature over TBS_Sign and the maker's over SES_SealInfo
(for type Sign: the SignedData's SM2 signature over Signature.xml)."""

from __future__ import annotations

import base64
import io
import os
import posixpath
import shutil
import subprocess
import tempfile
import zipfile
from xml.etree import ElementTree

from asn1crypto import core, keys, x509
from gmssl import func
from gmssl import sm2 as gm_sm2
from gmssl import sm3 as gm_sm3

SM2_CURVE = "1.2.156.10197.1.301"


def sm3(data: bytes) -> bytes:
    return bytes.fromhex(gm_sm3.sm3_hash(func.bytes_to_list(data)))


def _r_s(der: bytes) -> str:
    sequence = core.Sequence.load(der)
    r, s = (core.Integer.load(sequence[i].dump()).native for i in (0, 1))
    return f"{r:064x}{s:064x}"


def sm2_verify(public_key: bytes, message: bytes, der_signature: bytes) -> bool:
    """gmssl first; where it says no, OpenSSL 3 as a second opinion: gmssl (pure Python)
    rejects some signatures both GmSSL and OpenSSL accept (the maker signature of the seal in
    samples/easyofd-vat-special-invoice.ofd)."""
    checker = gm_sm2.CryptSM2(private_key="", public_key=public_key.hex())
    try:
        if checker.verify_with_sm3(_r_s(der_signature), message):
            return True
    except (ValueError, TypeError, IndexError):
        pass
    return _openssl_sm2_verify(public_key, message, der_signature)


def _openssl_sm2_verify(public_key: bytes, message: bytes, der_signature: bytes) -> bool:
    if shutil.which("openssl") is None:
        return False
    key_info = keys.PublicKeyInfo(
        {
            "algorithm": {"algorithm": "ec", "parameters": keys.ECDomainParameters(name="named", value=SM2_CURVE)},
            "public_key": b"\x04" + public_key,
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        paths = {name: os.path.join(folder, name) for name in ("key.der", "message", "signature")}
        for name, content in zip(paths, (key_info.dump(), message, der_signature), strict=True):
            with open(paths[name], "wb") as handle:
                handle.write(content)
        result = subprocess.run(  # noqa: S603 - fixed arguments, files written here
            [  # noqa: S607
                "openssl",
                "pkeyutl",
                "-verify",
                "-pubin",
                "-keyform",
                "DER",
                "-inkey",
                paths["key.der"],
                "-rawin",
                "-in",
                paths["message"],
                "-sigfile",
                paths["signature"],
                "-digest",
                "sm3",
                "-pkeyopt",
                "distid:1234567812345678",
            ],
            capture_output=True,
            check=False,
        )
    return result.returncode == 0 and b"Verified Successfully" in result.stdout


def public_key(certificate_der: bytes) -> bytes:
    point = bytes(x509.Certificate.load(certificate_der)["tbs_certificate"]["subject_public_key_info"]["public_key"])
    assert point[0] == 4 and len(point) == 65
    return point[1:]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element, name):
    return next((child for child in element if _local(child.tag) == name), None)


def _resolve(base: str, location: str) -> str:
    location = location.strip()
    joined = location if location.startswith("/") else posixpath.join(base, location)
    return posixpath.normpath(joined).lstrip("/")


def check(data: bytes) -> list[dict]:
    """One dict of named booleans per signature; every value True for a good signature."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    files = {info.filename: archive.read(info) for info in archive.infolist()}
    root = ElementTree.fromstring(files["OFD.xml"])  # noqa: S314 - files the tests made
    body = _find(root, "DocBody")
    signatures_location = _find(body, "Signatures").text
    signatures_name = _resolve("/", signatures_location)
    results = []
    for entry in ElementTree.fromstring(files[signatures_name]):  # noqa: S314 - files the tests made
        if _local(entry.tag) != "Signature":
            continue
        name = _resolve("/" + posixpath.dirname(signatures_name), entry.get("BaseLoc"))
        results.append(_check_one(files, name, entry.get("Type") or "Seal"))
    return results


def _check_one(files: dict[str, bytes], name: str, kind: str) -> dict:
    raw = files[name]
    base = "/" + posixpath.dirname(name)
    signature = ElementTree.fromstring(raw)  # noqa: S314 - files the tests made
    info = _find(signature, "SignedInfo")
    references = _find(info, "References")
    method = references.get("CheckMethod")
    digest = sm3 if method in ("1.2.156.10197.1.401", "SM3") else None
    if method in ("2.16.840.1.101.3.4.2.1", "SHA256"):
        import hashlib

        def digest(content: bytes) -> bytes:
            return hashlib.sha256(content).digest()

    result = {"check_method_known": digest is not None, "references": True}
    for reference in references:
        target = _resolve(base, reference.get("FileRef"))
        expected = base64.b64decode(_find(reference, "CheckValue").text)
        if digest is None or target not in files or digest(files[target]) != expected:
            result["references"] = False
    value = files[_resolve(base, _find(signature, "SignedValue").text)]
    if kind == "Seal":
        result.update(_check_seal_signature(value, raw))
        seal = _find(info, "Seal")  # optional
        if seal is not None:
            seal_location = _find(seal, "BaseLoc").text
            result["seal_file_is_the_signed_seal"] = files[_resolve(base, seal_location)] == _eseal_der(value)
    else:
        result.update(_check_signed_data(value, raw))
    result["protected"] = sorted(_resolve(base, ref.get("FileRef")) for ref in references)
    return result


def _eseal_der(value: bytes) -> bytes:
    return core.Sequence.load(core.Sequence.load(value)[0].dump())[1].dump()


def _bits(element) -> bytes:
    return core.BitString.load(element.dump()).contents[1:]


def _check_seal_signature_v1(outer, to_sign, signature_xml: bytes) -> dict:
    """GM/T 0031: SES_Signature {toSign, signature}; TBS_Sign {version, eseal, timeInfo,
    dataHash, propertyInfo, cert, signatureAlgorithm}; SESeal {sealInfo, signInfo {cert,
    signatureAlgorithm, signData}}, the maker signing SEQUENCE {sealInfo, cert, algorithm}."""
    eseal = core.Sequence.load(to_sign[1].dump())
    sign_info = core.Sequence.load(eseal[1].dump())
    maker_cert = core.OctetString.load(sign_info[0].dump()).native
    maker_signed = b"\x30" + _length(eseal[0].dump() + sign_info[0].dump() + sign_info[1].dump())
    signer_cert = core.OctetString.load(to_sign[5].dump()).native
    return {
        "data_hash_is_sm3_of_signature_xml": _bits(to_sign[3]) == sm3(signature_xml),
        "signer_signature": sm2_verify(public_key(signer_cert), outer[0].dump(), _bits(outer[1])),
        "maker_signature": sm2_verify(public_key(maker_cert), maker_signed, _bits(sign_info[2])),
    }


def _length(content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([size]) + content
    encoded = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded + content


def _check_seal_signature(value: bytes, signature_xml: bytes) -> dict:
    outer = core.Sequence.load(value)
    to_sign = core.Sequence.load(outer[0].dump())
    if core.Integer.load(to_sign[0].dump()).native == 1:
        return _check_seal_signature_v1(outer, to_sign, signature_xml)
    signer_cert = core.OctetString.load(outer[1].dump()).native
    signature_value = core.BitString.load(outer[3].dump()).contents[1:]
    data_hash = core.BitString.load(to_sign[3].dump()).contents[1:]
    eseal = core.Sequence.load(to_sign[1].dump())
    maker_cert = core.OctetString.load(eseal[1].dump()).native
    maker_signature = core.BitString.load(eseal[3].dump()).contents[1:]
    return {
        "version_4": core.Integer.load(to_sign[0].dump()).native == 4,
        "data_hash_is_sm3_of_signature_xml": data_hash == sm3(signature_xml),
        "signer_signature": sm2_verify(public_key(signer_cert), outer[0].dump(), signature_value),
        "maker_signature": sm2_verify(public_key(maker_cert), eseal[0].dump(), maker_signature),
    }


def _header(data: bytes, offset: int) -> tuple[int, int]:
    """(start, end) of the contents of the DER element at `offset`."""
    first = data[offset + 1]
    if first < 0x80:
        return offset + 2, offset + 2 + first
    count = first & 0x7F
    length = int.from_bytes(data[offset + 2 : offset + 2 + count], "big")
    return offset + 2 + count, offset + 2 + count + length


def _check_signed_data(value: bytes, signature_xml: bytes) -> dict:
    from asn1crypto import cms

    start, _end = _header(value, 0)
    _oid_start, oid_end = _header(value, start)
    content_type = core.ObjectIdentifier.load(value[start:oid_end]).dotted
    inner_start, inner_end = _header(value, oid_end)  # [0] EXPLICIT
    signed_data = cms.SignedData.load(value[inner_start:inner_end])
    signer = signed_data["signer_infos"][0]
    certificate = signed_data["certificates"][0].chosen.dump()
    result = {"content_type_gbt35275": content_type == "1.2.156.10197.6.1.4.2.2"}
    attributes = signer["signed_attrs"]
    if attributes.native:
        # Signed through attributes (a bank's receipts): messageDigest is SM3 of Signature.xml
        # and the signature covers the attributes as a DER SET.
        digests = [a["values"][0].native for a in attributes if a["type"].dotted == "1.2.840.113549.1.9.4"]
        result["message_digest_is_sm3_of_signature_xml"] = digests == [sm3(signature_xml)]
        signed = b"\x31" + attributes.dump()[1:]
    else:
        signed = signature_xml
    result["signer_signature"] = sm2_verify(public_key(certificate), signed, signer["signature"].native)
    return result


def all_good(result: dict) -> bool:
    return all(value for key, value in result.items() if key != "protected")
