"""The extra cost of dual signing (PAdES + SM2 / GB/T 38540) relative to PAdES alone.

Same PDF, same seal key, same in-process TSA and the same seal picture for both; only the
SM2 side differs: SM3 over the file, the SES_Signature with its SM2 signature and timestamp,
and the bytes it adds to the revision. Prints the median time of each and the ratio
(target ≤ 1.2×), in wall time and in CPU time (on a busy machine the CPU time is the
steadier figure), the output growth against the .esl size (target ≤ .esl + 10 KB) and
where the extra CPU goes. The seal is made as the product makes it (seal_picture_png).
No database: the PDF engine and the seal format are pure functions.

    .venv/bin/python bench/dual_seal.py [pages]
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SAMPLES = 15


def _pem(certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _cpu_ms(work, rounds: int = 30) -> float:
    cpu = time.process_time()
    for _ in range(rounds):
        work()
    return (time.process_time() - cpu) / rounds * 1000


def _sm2_sign_cpu_ms(key_pair) -> float:
    from sealcore import sm2

    return _cpu_ms(lambda: sm2.sign(key_pair, b"x" * 300))


def main(pages: int = 3) -> None:
    from cryptography.hazmat.primitives import serialization

    from bench.seal import make_pdf
    from documents.pdf.national import NationalSigning, national_signature_der
    from documents.pdf.sign import Placement, SigningKey, Timestamping, _timestamper, stamp_and_sign
    from sealcore import national_format, sm2
    from seals import ca, keys
    from seals.image import face_for, seal_pdf, seal_picture_png

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
    maker_key, maker_cert = sm2.create_maker_authority()
    sm2_key = sm2.generate_key_pair()
    sm2_cert = sm2.issue_seal_certificate(
        maker_key=maker_key,
        maker_certificate=maker_cert,
        subject_name=sm2.name(common_name="合同专用章"),
        public_key=sm2_key.public_key,
    )
    now = dt.datetime.now(dt.UTC)
    seal_der = national_format.build_seal(
        maker_key=maker_key,
        maker_certificate=maker_cert.dump(),
        es_id="1100000000013",
        name="合同专用章",
        seal_type=1,
        signer_certificates=[sm2_cert.dump(), certificate.public_bytes(serialization.Encoding.DER)],
        valid_from=now,
        valid_until=now + dt.timedelta(days=365),
        picture_png=(picture_png := seal_picture_png(face)),
        width_mm=42,
        height_mm=42,
    )
    arguments = {
        "placement": Placement(page=0, x=380, y=80, width=119, height=119),
        "appearance_pdf": seal_pdf(face),
        "signing_key": SigningKey(private_key, _pem(certificate), [_pem(seal_ca_cert), _pem(root_cert)]),
        "timestamping": Timestamping(tsa_key, _pem(tsa_cert), _pem(root_cert)),
        "field_name": "Seal1",
    }
    picture = len(picture_png)
    national = NationalSigning(key_pair=sm2_key, certificate_der=sm2_cert.dump(), seal_der=seal_der)
    data = make_pdf(pages)

    def timed(**extra) -> tuple[float, int, float]:
        start, cpu = time.perf_counter(), time.process_time()
        signed = stamp_and_sign(data, **arguments, **extra)
        return time.perf_counter() - start, len(signed), time.process_time() - cpu

    timed(), timed(national=national)  # warm caches (fonts, timestamper, imports)
    pades, dual = [], []
    for _ in range(SAMPLES):  # interleaved, so drift in machine load hits both alike
        pades.append(timed())
        dual.append(timed(national=national))
    pades_ms = statistics.median(t for t, _, _ in pades) * 1000
    dual_ms = statistics.median(t for t, _, _ in dual) * 1000
    pades_cpu = statistics.median(c for _, _, c in pades) * 1000
    dual_cpu = statistics.median(c for _, _, c in dual) * 1000
    sm2_cpu = _sm2_sign_cpu_ms(sm2_key)
    ses_cpu = _cpu_ms(lambda: national_signature_der(data, national, signed_at=now))
    ses_tsa_cpu = _cpu_ms(
        lambda: national_signature_der(
            data, national, signed_at=now, timestamper=_timestamper(arguments["timestamping"])
        )
    )
    growth = dual[0][1] - pades[0][1]
    print(f"file: {pages} page(s), {len(data):,} bytes; seal (.esl) {len(seal_der):,} bytes (picture {picture:,})")
    print(f"PAdES only        median {pades_ms:7.1f} ms wall {pades_cpu:6.1f} ms CPU   output {pades[0][1]:,} bytes")
    print(f"PAdES + SM2 (SES) median {dual_ms:7.1f} ms wall {dual_cpu:6.1f} ms CPU   output {dual[0][1]:,} bytes")
    print(f"ratio dual / PAdES: {dual_ms / pades_ms:.2f}x wall, {dual_cpu / pades_cpu:.2f}x CPU (target <= 1.2x)")
    print(
        f"output growth {growth:,} bytes = .esl + {growth - len(seal_der):,} (target <= .esl + 10,000): "
        + ("met" if growth <= len(seal_der) + 10_000 else "missed")
    )
    print(
        f"where the extra {dual_cpu - pades_cpu:.1f} ms CPU go: the SES_Signature {ses_cpu:.1f} ms, of which one SM2 "
        f"signature {sm2_cpu:.1f} ms (k·G from GmSSL, the equation in sealcore/sm2.py) and its own RFC 3161 "
        f"timestamp token {ses_tsa_cpu - ses_cpu:.1f} ms; the rest writing and hashing the larger revision"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
