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

Exit status 0 when every part checks, 1 otherwise (each failed part on its own line,
starting with "CHANGED" or "FAILED").
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import zipfile

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
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
FINALS = ("final.pdf", "final.ofd")  # an OFD final file is checked by its manifest line only
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


def check(archive: bytes, *, root_sha256: str | None = None) -> Findings:
    findings = Findings()
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as package:
            files = {info.filename: package.read(info) for info in package.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, OSError, ValueError) as error:
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
