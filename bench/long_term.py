"""The cost of a B-LT and a B-LTA seal as Sealhub makes them, next to raw pyHanko producing
the same level on the same file with the same key, in the same run (B-LTA: the B-LT seal,
then an archive timestamp with its validation data; raw pyHanko's
`update_archival_timestamp_chain`, Sealhub's documents/pdf/archive.py).

Both ask one RFC 3161 TSA and one OCSP responder over HTTP on loopback (seals/responders.py
served by a small in-process HTTP server, with the CAs' CRLs, a fresh platform-like PKI
whose certificates point at it), and embed the signer's and the TSA's chains with their
OCSP answers in a DSS; Sealhub's archive timestamp also carries the CAs' current CRLs.
Sealhub's path adds what raw pyHanko does not do: every timestamp token is checked (nonce,
imprint, signature, trust) before use, and a TSA list is walked in order. No database.

    .venv/bin/python bench/long_term.py [pages]
"""

from __future__ import annotations

import datetime as dt
import http.server
import io
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SAMPLES = 11


def _pem(certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _serve(parts: dict) -> tuple[http.server.ThreadingHTTPServer, str]:
    """TSA at /tsa, OCSP at /ocsp; `parts` (root, seal_ca, tsa key pairs) is filled once the
    certificates, which need this server's address, exist."""
    from cryptography.hazmat.primitives import serialization

    from seals import ca, responders

    def good(serial: int) -> responders.CertificateStatus:
        return responders.CertificateStatus()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            now = dt.datetime.now(dt.UTC)
            (root_key, root_cert), (seal_ca_key, seal_ca_cert) = parts["root"], parts["seal_ca"]
            tsa_key, tsa_cert = parts["tsa"]
            issuers = [
                responders.OcspIssuer(root_key, root_cert, good),
                responders.OcspIssuer(seal_ca_key, seal_ca_cert, good),
            ]
            if self.path == "/tsa":
                reply = responders.timestamp_reply(body, tsa_key=tsa_key, tsa_cert=tsa_cert, chain=[root_cert], now=now)
                kind = "application/timestamp-reply"
            else:
                reply, kind = responders.ocsp_reply(body, issuers=issuers, now=now), "application/ocsp-response"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def do_GET(self):  # noqa: N802 (http.server's naming)
            # The CRLs at /crl/root and /crl/seal-ca, as the platform serves them.
            issuer = {"/crl/root": parts["root"], "/crl/seal-ca": parts["seal_ca"]}.get(self.path)
            if issuer is None:
                self.send_error(404)
                return
            reply = ca.build_crl(*issuer, []).public_bytes(serialization.Encoding.DER)
            self.send_response(200)
            self.send_header("Content-Type", "application/pkix-crl")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main(pages: int = 3) -> None:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import pem as asn1_pem
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
    from pyhanko.stamp import StaticStampStyle
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from bench.seal import make_pdf
    from documents.pdf.archive import archive_timestamp_add
    from documents.pdf.sign import SIGNATURE_BYTES_RESERVED, Placement, SigningKey, stamp_and_sign
    from documents.pdf.timestamping import LongTermValidation, RemoteTimestamping, TsaEndpoint
    from seals import ca, keys
    from seals.image import face_for, seal_pdf

    # The certificates name the server's address, so the server starts first.
    pki_parts: dict = {}
    server, base = _serve(pki_parts)
    root = ca.create_root_ca()
    seal_ca = ca.create_subordinate_ca(*root, crl_url=f"{base}/crl/root", ocsp_url=f"{base}/ocsp")
    tsa = ca.create_timestamp_authority(*root, crl_url=f"{base}/crl/root", ocsp_url=f"{base}/ocsp")
    pki_parts.update(root=root, seal_ca=seal_ca, tsa=tsa)
    private_key = keys.generate_private_key()
    subject = ca.SealSubject("演示科技有限公司", "91110000802100433B", "1100000000013", "合同专用章")
    certificate = ca.issue_seal_certificate(
        *seal_ca, ca.build_csr(private_key, subject), subject, crl_url=f"{base}/crl/seal-ca", ocsp_url=f"{base}/ocsp"
    )
    face = face_for(
        seal_type="contract",
        company_name="演示科技有限公司",
        seal_name="合同专用章",
        code="1100000000013",
        uscc="91110000802100433B",
    )
    appearance = seal_pdf(face)
    chain_pem = [_pem(seal_ca[1]), _pem(root[1])]
    roots = (_pem(root[1]),)
    data = make_pdf(pages)
    arguments = {
        "placement": Placement(page=0, x=380, y=80, width=119, height=119),
        "appearance_pdf": appearance,
        "signing_key": SigningKey(private_key, _pem(certificate), chain_pem),
        "timestamping": RemoteTimestamping(endpoints=(TsaEndpoint(f"{base}/tsa"),), trust_roots_pem=roots),
        "field_name": "Seal1",
        "long_term": LongTermValidation(trust_roots_pem=roots),
    }

    def asn1_cert(pem: str):
        return asn1_x509.Certificate.load(asn1_pem.unarmor(pem.encode())[2])

    der_key = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signer = signers.SimpleSigner(
        signing_cert=asn1_cert(_pem(certificate)),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert(p) for p in chain_pem]),
    )
    raw_timestamper = HTTPTimeStamper(f"{base}/tsa")
    appearance_file = tempfile.NamedTemporaryFile(suffix=".pdf")  # noqa: SIM115 (lives for the run)
    appearance_file.write(appearance)
    appearance_file.flush()

    def ours() -> bytes:
        return stamp_and_sign(data, **arguments)

    def raw() -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name="Seal1",
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            docmdp_permissions=MDPPerm.FILL_FORMS,
            embed_validation_info=True,
            validation_context=ValidationContext(
                trust_roots=[asn1_cert(roots[0])], allow_fetching=True, revocation_mode="hard-fail"
            ),
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer,
            timestamper=raw_timestamper,
            new_field_spec=fields.SigFieldSpec("Seal1", on_page=0, box=(380, 80, 499, 199)),
            stamp_style=StaticStampStyle.from_pdf_file(appearance_file.name, border_width=0),
        )
        output = io.BytesIO()
        pdf_signer.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(data), strict=False),
            bytes_reserved=SIGNATURE_BYTES_RESERVED,
            output=output,
        )
        return output.getvalue()

    def ours_lta() -> bytes:
        return archive_timestamp_add(ours(), timestamping=arguments["timestamping"], validation=arguments["long_term"])

    # pyHanko warns that a file has no document timestamp yet: that is the case measured.
    logging.getLogger("pyhanko.sign.signers.pdf_signer").setLevel(logging.ERROR)

    def raw_lta() -> bytes:
        output = io.BytesIO()
        signers.PdfTimeStamper(raw_timestamper).update_archival_timestamp_chain(
            PdfFileReader(io.BytesIO(raw())),
            ValidationContext(trust_roots=[asn1_cert(roots[0])], allow_fetching=True, revocation_mode="hard-fail"),
            in_place=False,
            output=output,
        )
        return output.getvalue()

    def timed(function) -> tuple[float, int]:
        started = time.perf_counter()
        size = len(function())
        return time.perf_counter() - started, size

    runs = {"ours": ours, "raw": raw, "ours_lta": ours_lta, "raw_lta": raw_lta}
    for function in runs.values():  # warm caches (fonts, imports, the timestamper's TSA chain)
        timed(function)
    samples: dict[str, list] = {name: [] for name in runs}
    for _ in range(SAMPLES):  # interleaved, so drift in machine load hits all alike
        for name, function in runs.items():
            samples[name].append(timed(function))
    server.shutdown()
    median_ms = {name: statistics.median(t for t, _ in values) * 1000 for name, values in samples.items()}
    size = {name: values[0][1] for name, values in samples.items()}
    print(f"file: {pages} page(s), {len(data):,} bytes; TSA and OCSP over HTTP on loopback")
    print(f"raw pyHanko B-LT    median {median_ms['raw']:7.1f} ms   output {size['raw']:,} bytes")
    print(f"Sealhub B-LT seal   median {median_ms['ours']:7.1f} ms   output {size['ours']:,} bytes")
    print(f"ratio B-LT  Sealhub / raw pyHanko: {median_ms['ours'] / median_ms['raw']:.2f}x")
    print(f"raw pyHanko B-LTA   median {median_ms['raw_lta']:7.1f} ms   output {size['raw_lta']:,} bytes")
    print(f"Sealhub B-LTA seal  median {median_ms['ours_lta']:7.1f} ms   output {size['ours_lta']:,} bytes")
    print(f"ratio B-LTA Sealhub / raw pyHanko: {median_ms['ours_lta'] / median_ms['raw_lta']:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
