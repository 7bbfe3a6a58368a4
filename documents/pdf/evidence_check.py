#!/usr/bin/env python3
"""Check a Sealhub evidence package (出证) offline, without Sealhub and without a network.

    pip install pyHanko cryptography
    python check_evidence.py evidence.zip --root-sha256 <SHA-256 of the platform root certificate>

What it checks, and the part it names when a check fails:

1. certificates/evidence-seal.pem was issued by certificates/seal-ca.pem, which was issued by
   certificates/root.pem (self-signed), and the root is the one you expect: --root-sha256
   is required (anyone can make a package that checks against a root of their own; its
   fingerprint is printed on every run: compare it with the one your platform publishes).
2. manifest.sig is the evidence seal's signature over manifest.json.
3. Every part listed in manifest.json is present with that SHA-256, and nothing else is in
   the ZIP.
4. Every line of audit.jsonl hashes to its "hash" (SHA-256 over the canonical JSON of its
   "payload": sorted keys, no spaces, UTF-8 unescaped) and links to the line before it
   (payload "previous" = that line's hash; the first row of a chain links to 64 zeros).
5. Every signature and document timestamp in final.pdf and report.pdf is intact, the newest
   covers the whole file (later revisions may only add validation data), and (reported, not
   failed) whether each chains to the root.
6. Every timestamps/*.tst is an RFC 3161 timestamp token.
7. For an OFD final file (final.ofd): every file each signature protects still has its
   CheckValue (SM3, or SHA-256 where named), each seal signature (GB/T 38540 SES_Signature)
   covers the Signature.xml as stored (dataHash, SM3) with a good SM3withSM2 value from its
   signer certificate, and its timestamp is over that value, signed by a TSA issued by the
   root.

Exit status 0 when every part checks, 1 otherwise (each failed part on its own line,
starting with "CHANGED" or "FAILED").
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import posixpath
import sys
import xml.etree.ElementTree as ElementTree
import zipfile
import zlib

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext

MANIFEST = "manifest.json"
MANIFEST_SIGNATURE = "manifest.sig"
EVIDENCE_SEAL = "certificates/evidence-seal.pem"
SEAL_CA = "certificates/seal-ca.pem"
ROOT = "certificates/root.pem"
AUDIT = "audit.jsonl"
PDFS = ("final.pdf", "report.pdf")
FINALS = ("final.pdf", "final.ofd")
GENESIS = "0" * 64


def canonical_json(payload) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


class Findings:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.notes: list[str] = []

    def changed(self, part: str, why: str) -> None:
        self.problems.append(f"CHANGED {part}: {why}")

    def failed(self, part: str, why: str) -> None:
        self.problems.append(f"FAILED {part}: {why}")


def _certificate(files: dict, name: str, findings: Findings):
    try:
        return x509.load_pem_x509_certificate(files[name])
    except KeyError:
        findings.failed(name, "missing")
    except ValueError:
        findings.changed(name, "not a certificate")
    return None


def check_certificates(files: dict, findings: Findings, root_sha256: str | None):
    seal, issuer, root = (_certificate(files, name, findings) for name in (EVIDENCE_SEAL, SEAL_CA, ROOT))
    if root is not None:
        fingerprint = root.fingerprint(hashes.SHA256()).hex()
        findings.notes.append(f"platform root SHA-256: {fingerprint}")
        if not root_sha256:  # anyone can make a package that checks against a root of their own
            findings.failed(ROOT, "not compared with the platform's root: run again with --root-sha256")
        elif fingerprint != root_sha256.lower().replace(":", ""):
            findings.failed(ROOT, "not the root you expect (--root-sha256)")
    for child, child_name, parent in ((seal, EVIDENCE_SEAL, issuer), (issuer, SEAL_CA, root), (root, ROOT, root)):
        if child is None or parent is None:
            continue
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            findings.changed(child_name, "not issued by the certificate above it")
    return seal, root


def check_manifest(files: dict, seal, findings: Findings) -> dict:
    data, signature = files.get(MANIFEST), files.get(MANIFEST_SIGNATURE)
    if data is None or signature is None:
        findings.failed(MANIFEST, "manifest.json or manifest.sig is missing")
        return {}
    if seal is not None:
        try:
            seal.public_key().verify(signature, data, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError, TypeError, AttributeError):
            findings.changed(MANIFEST, "the evidence seal's signature over it does not verify")
    try:
        manifest = json.loads(data)
        parts = manifest["parts"]
        assert isinstance(parts, dict)
    except (ValueError, KeyError, AssertionError, TypeError):
        findings.changed(MANIFEST, "not a manifest")
        return {}
    for name, expected in sorted(parts.items()):
        if name not in files:
            findings.changed(name, "missing")
        elif hashlib.sha256(files[name]).hexdigest() != expected:
            findings.changed(
                name, f"SHA-256 is {hashlib.sha256(files[name]).hexdigest()}, the manifest says {expected}"
            )
    for name in sorted(set(files) - set(parts) - {MANIFEST, MANIFEST_SIGNATURE}):
        findings.changed(name, "not listed in the manifest")
    return manifest


def check_audit(files: dict, findings: Findings) -> None:
    if AUDIT not in files:
        findings.failed(AUDIT, "missing")
        return
    previous_sequence, previous_hash = None, None
    for number, line in enumerate(files[AUDIT].decode("utf-8", "replace").splitlines(), start=1):
        where = f"{AUDIT} line {number}"
        try:
            row = json.loads(line)
            payload, claimed = row["payload"], row["hash"]
            sequence, previous = row["sequence"], payload["previous"]
        except (ValueError, KeyError, TypeError):
            findings.changed(where, "not an audit row")
            continue
        if hashlib.sha256(canonical_json(payload)).hexdigest() != claimed:
            findings.changed(where, "its hash does not match its content")
        elif sequence == 1 and previous != GENESIS:
            findings.changed(where, "the first row of the chain does not start it")
        elif previous_sequence is not None and sequence == previous_sequence + 1 and previous != previous_hash:
            findings.changed(where, "it does not link to the row before it")
        previous_sequence, previous_hash = sequence, claimed


def check_pdf(name: str, data: bytes, root, findings: Findings) -> None:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as error:  # a damaged file: name it, never a traceback
        findings.changed(name, f"cannot be read as a PDF ({type(error).__name__})")
        return
    if not signatures:
        findings.changed(name, "has no signatures")
        return
    roots = [asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER))] if root is not None else []
    for number, signature in enumerate(signatures, start=1):
        context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
        try:
            if signature.sig_object_type == "/DocTimeStamp":
                status = validate_pdf_timestamp(signature, validation_context=context)
            else:
                status = validate_pdf_signature(signature, context)
        except Exception as error:
            findings.changed(name, f"signature {number} cannot be checked ({type(error).__name__})")
            continue
        if not (status.intact and status.valid):
            findings.changed(name, f"signature {number} ({signature.field_name}) is not intact")
            continue
        if number == len(signatures) and not _covers_to_the_end(status, data):
            findings.changed(name, f"the newest signature ({signature.field_name}) does not cover the whole file")
        trust = "chains to the root" if status.trusted else "does not chain to the included root"
        findings.notes.append(f"{name}: signature {number} ({signature.field_name}) intact, {trust}")


def _covers_to_the_end(status, data: bytes) -> bool:
    """The whole file, or its signed revision plus revisions that only add validation data
    (B-LT's DSS); and nothing after the last end-of-file marker."""
    if not data.rstrip(b"\r\n\t \x00").endswith(b"%%EOF"):
        return False
    if status.coverage.name == "ENTIRE_FILE":
        return True
    level = getattr(status, "modification_level", None)
    return status.coverage.name == "ENTIRE_REVISION" and getattr(level, "name", "") == "LTA_UPDATES"


def check_timestamps(files: dict, findings: Findings) -> None:
    for name in sorted(n for n in files if n.startswith("timestamps/")):
        try:
            token = cms.ContentInfo.load(files[name])
            content = token["content"]["encap_content_info"]
            assert content["content_type"].native == "tst_info"
            content["content"].parsed.native  # noqa: B018 (parses the whole TSTInfo)
        except Exception:
            findings.changed(name, "not a timestamp token")


# --- OFD (GB/T 33190 §18, GB/T 38540) -----------------------------------------------------

SM2_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
SM2_A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
SM2_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
SM2_G = (
    0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)
SM2_SIGNER_ID = b"1234567812345678"
SHA256_NAMES = {"SHA256", "SHA-256", "2.16.840.1.101.3.4.2.1"}


class SesSignature(core.Sequence):
    """GB/T 38540 v4 SES_Signature, the parts checked here."""

    _fields = [
        ("to_sign", core.Any),
        ("cert", core.OctetString),
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


def ses_tbs_data_hash(tbs) -> bytes:
    """TBS_Sign: version, eseal, timeInfo, dataHash (BIT STRING), propertyInfo, ..."""
    return core.OctetBitString.load(tbs[3].dump()).native


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    if p1[0] == p2[0] and (p1[1] + p2[1]) % SM2_P == 0:
        return None
    if p1 == p2:
        slope = (3 * p1[0] * p1[0] + SM2_A) * pow(2 * p1[1], -1, SM2_P)
    else:
        slope = (p2[1] - p1[1]) * pow(p2[0] - p1[0], -1, SM2_P)
    x = (slope * slope - p1[0] - p2[0]) % SM2_P
    return x, (slope * (p1[0] - x) - p1[1]) % SM2_P


def _multiply(k: int, point):
    result = None
    while k:
        if k & 1:
            result = _add(result, point)
        point = _add(point, point)
        k >>= 1
    return result


def sm2_verify(public_point: bytes, message: bytes, signature_der: bytes) -> bool:
    """SM3withSM2 (GB/T 32918.2) with the default signer id, in plain Python: the
    cryptography package has no SM2."""
    if len(public_point) != 65 or public_point[0] != 4:
        return False
    x, y = int.from_bytes(public_point[1:33], "big"), int.from_bytes(public_point[33:], "big")
    try:
        parsed = core.Sequence.load(signature_der)
        r, s = int(parsed[0].native), int(parsed[1].native)
    except (ValueError, TypeError, KeyError, IndexError):
        return False
    if not (0 < r < SM2_N and 0 < s < SM2_N):
        return False

    def field(value: int) -> bytes:
        return value.to_bytes(32, "big")

    z = sm3(
        (len(SM2_SIGNER_ID) * 8).to_bytes(2, "big")
        + SM2_SIGNER_ID
        + b"".join(field(v) for v in (SM2_A, SM2_B, *SM2_G, x, y))
    )
    e = int.from_bytes(sm3(z + message), "big")
    t = (r + s) % SM2_N
    if t == 0:
        return False
    point = _add(_multiply(s, SM2_G), _multiply(t, (x, y)))
    return point is not None and (e + point[0]) % SM2_N == r


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element, name: str):
    return next((child for child in element if _local(child.tag) == name), None)


def _located(files: dict, base: str, reference: str) -> str:
    reference = reference.strip().replace("\\", "/")
    joined = reference.lstrip("/") if reference.startswith("/") else posixpath.join(base, reference)
    return posixpath.normpath(joined).lstrip("/")


def _timestamp_over(token_der: bytes, stamped: bytes, root) -> str | None:
    """None when the token is over `stamped` and signed by a TSA the root issued; else why not."""
    try:
        signed_data = cms.ContentInfo.load(token_der)["content"]
        tst_info = signed_data["encap_content_info"]["content"].parsed
        imprint = tst_info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if hashlib.new(algorithm, stamped).digest() != imprint["hashed_message"].native:
            return "its timestamp is for other data"
        signer_info = signed_data["signer_infos"][0]
        attributes = {a["type"].native: a["values"][0] for a in signer_info["signed_attrs"]}
        content = signed_data["encap_content_info"]["content"].contents
        digest_algorithm = signer_info["digest_algorithm"]["algorithm"].native
        if attributes["message_digest"].native != hashlib.new(digest_algorithm, content).digest():
            return "its timestamp's content does not match the timestamp's signature"
        signed_attrs = b"\x31" + signer_info["signed_attrs"].dump()[1:]
        hash_algorithm = getattr(hashes, digest_algorithm.upper())()
        value = signer_info["signature"].native
        for choice in signed_data["certificates"] or []:
            tsa = x509.load_der_x509_certificate(choice.chosen.dump())
            key = tsa.public_key()
            try:
                if isinstance(key, ec.EllipticCurvePublicKey):
                    key.verify(value, signed_attrs, ec.ECDSA(hash_algorithm))
                elif isinstance(key, rsa.RSAPublicKey):
                    key.verify(value, signed_attrs, padding.PKCS1v15(), hash_algorithm)
                else:
                    continue
            except InvalidSignature:
                continue
            if root is not None:
                tsa.verify_directly_issued_by(root)
            return None
        return "its timestamp's signature does not verify"
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, InvalidSignature):
        return "its timestamp is not a good timestamp token"


def check_ofd(name: str, data: bytes, root, findings: Findings) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            files = {info.filename.lstrip("/"): package.read(info) for info in package.infolist() if not info.is_dir()}
    except Exception as error:  # a damaged file (bad ZIP, bad deflate data, ...): name it, never a traceback
        findings.changed(name, f"cannot be read as an OFD package ({type(error).__name__})")
        return
    signature_files = []
    for path, raw in sorted(files.items()):
        if not path.lower().endswith(".xml") or b"<!DOCTYPE" in raw.upper():
            continue  # OFD XML has no DOCTYPE: no entity of any kind is ever expanded
        try:
            element = ElementTree.fromstring(raw)  # noqa: S314 (no DOCTYPE: nothing to expand)
        except ElementTree.ParseError:
            continue
        if _local(element.tag) == "Signature" and _find(element, "SignedInfo") is not None:
            signature_files.append((path, raw, element))
    if not signature_files:
        findings.changed(name, "has no signatures")
        return
    for number, (path, raw, element) in enumerate(signature_files, start=1):
        where = f"{name} signature {number} ({path})"
        base = posixpath.dirname(path)
        references = _find(_find(element, "SignedInfo"), "References")
        method = (references.get("CheckMethod", "") if references is not None else "").strip().upper()
        for reference in list(references) if references is not None else []:
            target = _located(files, base, reference.get("FileRef", ""))
            check_value = _find(reference, "CheckValue")
            expected = base64.b64decode((check_value.text or "").strip()) if check_value is not None else b""
            if target not in files:
                findings.changed(where, f"{target} it protects is missing")
                continue
            actual = hashlib.sha256(files[target]).digest() if method in SHA256_NAMES else sm3(files[target])
            if actual != expected:
                findings.changed(where, f"{target} it protects was changed")
        value_element = _find(element, "SignedValue")
        value_path = _located(files, base, value_element.text or "") if value_element is not None else ""
        if value_path not in files:
            findings.changed(where, "its signature value is missing")
            continue
        try:
            ses = SesSignature.load(files[value_path])
            tbs = ses["to_sign"].parsed
            version = int(tbs[0].native)
            data_hash = bytes(ses_tbs_data_hash(tbs))
            certificate = asn1_x509.Certificate.load(ses["cert"].native)
            point = certificate.public_key["public_key"].native
            value = bytes(ses["signature"].native)
            stamp = ses["time_stamp"].native
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            findings.changed(where, "its signature value is not a GB/T 38540 seal signature")
            continue
        if version != 4:
            findings.notes.append(f"{where}: seal signature version {version}, value not checked here")
            continue
        if data_hash != sm3(raw):
            findings.changed(where, "the seal signature does not cover its Signature.xml as stored")
            continue
        if not sm2_verify(point, ses["to_sign"].dump(), value):
            findings.changed(where, "its SM3withSM2 seal signature does not verify")
            continue
        if stamp:
            why = _timestamp_over(bytes(stamp), value, root)
            if why:
                findings.changed(where, why)
                continue
        signer = certificate.subject.human_friendly
        findings.notes.append(f"{where}: intact, sealed by {signer}" + (", timestamped" if stamp else ""))


def check(archive: bytes, *, root_sha256: str | None = None) -> Findings:
    findings = Findings()
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as package:
            files = {info.filename: package.read(info) for info in package.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, OSError, ValueError, zlib.error) as error:
        findings.changed("evidence package", f"not a readable ZIP ({error})")
        return findings
    seal, root = check_certificates(files, findings, root_sha256)
    check_manifest(files, seal, findings)
    check_audit(files, findings)
    if not any(name in files for name in FINALS):
        findings.failed("final.pdf", "missing")
    for name in PDFS:
        if name in files:
            check_pdf(name, files[name], root, findings)
        elif name != "final.pdf":
            findings.failed(name, "missing")
    if "final.ofd" in files:
        check_ofd("final.ofd", files["final.ofd"], root, findings)
    check_timestamps(files, findings)
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a Sealhub evidence package offline.")
    parser.add_argument("package", help="the evidence ZIP")
    parser.add_argument("--root-sha256", help="the SHA-256 fingerprint the platform root must have (required for OK)")
    arguments = parser.parse_args(argv)
    with open(arguments.package, "rb") as handle:
        findings = check(handle.read(), root_sha256=arguments.root_sha256)
    for note in findings.notes:
        print(note)
    for problem in findings.problems:
        print(problem)
    print("OK: every part checks" if not findings.problems else f"NOT OK: {len(findings.problems)} problem(s)")
    return 1 if findings.problems else 0


if __name__ == "__main__":
    sys.exit(main())
