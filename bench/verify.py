"""Verification against raw pyHanko validation of the same file (target ≤ 1.5×).

One 10-page PDF sealed once (PAdES B-T, in-process TSA). Sealhub's verifier
(documents.pdf.verify.verify_file, what POST /verify/ runs: every signature, the
modification analysis, the verdict, the signature appearances cropped from the page)
against pyHanko alone: read the file and validate_pdf_signature every embedded signature
with the same trust roots, the same current CRL of the seal CA (200 other seals revoked,
as POST /verify/ passes it) and the same revocation settings. Interleaved samples; median wall and
CPU time. No database.

    .venv/bin/python bench/verify.py [pages]
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SAMPLES = 15


def _pem(certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def sealed_file(pages: int) -> tuple[bytes, bytes, bytes]:
    """A `pages`-page PDF with one seal, the root certificate (DER) it chains to, and the
    seal CA's current CRL (DER) listing 200 other seals."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from bench.seal import make_pdf
    from documents.pdf.sign import Placement, SigningKey, Timestamping, stamp_and_sign
    from seals import ca, keys
    from seals.image import face_for, seal_pdf

    root_key, root_cert = ca.create_root_ca()
    seal_ca_key, seal_ca_cert = ca.create_subordinate_ca(root_key, root_cert)
    tsa_key, tsa_cert = ca.create_timestamp_authority(root_key, root_cert)
    private_key = keys.generate_private_key()
    subject = ca.SealSubject("演示科技有限公司", "91110000802100433B", "1100000000013", "合同专用章")
    certificate = ca.issue_seal_certificate(seal_ca_key, seal_ca_cert, ca.build_csr(private_key, subject), subject)
    face = face_for(
        seal_type="contract",
        company_name="演示科技有限公司",
        seal_name="合同专用章",
        code="1100000000013",
        uscc="91110000802100433B",
    )
    signed = stamp_and_sign(
        make_pdf(pages),
        placement=Placement(page=0, x=380, y=80, width=119, height=119),
        appearance_pdf=seal_pdf(face),
        signing_key=SigningKey(private_key, _pem(certificate), [_pem(seal_ca_cert), _pem(root_cert)]),
        timestamping=Timestamping(tsa_key, _pem(tsa_cert), _pem(root_cert)),
        field_name="Seal1",
    )
    revoked = [
        ca.RevokedEntry(certificate.serial_number + n, dt.datetime.now(dt.UTC), x509.ReasonFlags.key_compromise)
        for n in range(1, 201)
    ]
    crl = ca.build_crl(seal_ca_key, seal_ca_cert, revoked).public_bytes(serialization.Encoding.DER)
    return signed, root_cert.public_bytes(serialization.Encoding.DER), crl


def raw_pyhanko_validate(data: bytes, roots, crls: list[bytes]) -> bool:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    good = True
    for signature in reader.embedded_signatures:
        context = ValidationContext(trust_roots=roots, crls=crls, allow_fetching=False, revocation_mode="soft-fail")
        good = good and validate_pdf_signature(signature, context).bottom_line
    return good


def main(pages: int = 10) -> None:
    from asn1crypto import x509 as asn1_x509

    from documents.pdf.verify import VALID, verify_file

    signed, root_der, crl = sealed_file(pages)
    roots = [asn1_x509.Certificate.load(root_der)]

    def timed(work) -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        work()
        return time.perf_counter() - start, time.process_time() - cpu

    def raw():
        assert raw_pyhanko_validate(signed, roots, [crl])

    def product():
        assert verify_file(signed, trust_roots=[root_der], crls=[crl]).verdict == VALID

    def product_without_appearances():
        assert verify_file(signed, trust_roots=[root_der], crls=[crl], appearances=False).verdict == VALID

    runs = {"raw": raw, "product": product, "bare": product_without_appearances}
    for work in runs.values():
        work()  # warm: imports, fonts, pdfium
    samples = {name: [] for name in runs}
    for _ in range(SAMPLES):  # interleaved: drift in machine load hits all alike
        for name, work in runs.items():
            samples[name].append(timed(work))
    wall = {name: statistics.median(t for t, _ in values) * 1000 for name, values in samples.items()}
    cpu = {name: statistics.median(c for _, c in values) * 1000 for name, values in samples.items()}
    print(f"{pages}-page PDF, {len(signed):,} bytes, one PAdES B-T seal (median of {SAMPLES}, interleaved)")
    print(f"  raw pyHanko read + validate_pdf_signature:   {wall['raw']:7.1f} ms wall {cpu['raw']:6.1f} ms CPU")
    for name, label in (
        ("product", "Sealhub verify_file (as POST /verify/)"),
        ("bare", "  the same without appearances"),
    ):
        print(
            f"  {label:<42} {wall[name]:7.1f} ms wall {cpu[name]:6.1f} ms CPU   "
            f"ratio ×{wall[name] / wall['raw']:.2f} wall, ×{cpu[name] / cpu['raw']:.2f} CPU (target ≤ 1.5×)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
