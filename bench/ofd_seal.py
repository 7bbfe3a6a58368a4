"""The cost of sealing an OFD file next to sealing a PDF of the same content, and both next
to raw pyHanko, in one run.

The OFD file has `pages` pages of Chinese text; the PDF is the same pages drawn by the OFD
converter (sealcore/ofd/render.py), so both carry the same content. Same seal picture, the
same in-process TSA for every timestamp. Timed, interleaved so that drift in machine load
hits all alike:
- raw pyHanko: stamp + PAdES B-T signature of the PDF, written directly against pyHanko;
- Sealhub PDF: `stamp_and_sign` (the sealing job's PDF engine), B-T;
- Sealhub OFD: `seal_ofd_version` (the sealing job's OFD engine): SM3 CheckValues over
  every file, Signature.xml, SES_Signature v4 with SM2 and the timestamp, the new zip;
- Sealhub OFD without timestamp, to show what the token costs.
No database: the engines are pure functions.

    .venv/bin/python bench/ofd_seal.py [pages]
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SAMPLES = 15
NS = "http://www.ofdspec.org/2016"


def make_ofd(pages: int) -> bytes:
    """A plain OFD contract: OFD.xml, Document.xml, a font resource, one Content.xml per page."""
    files = {
        "OFD.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD">'
            "<ofd:DocBody><ofd:DocInfo><ofd:DocID>bench</ofd:DocID></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
        ),
        "Doc_0/PublicRes.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
            '<ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
        ),
        "Doc_0/Document.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{NS}"><ofd:CommonData>'
            "<ofd:MaxUnitID>9999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
            "</ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages>"
            + "".join(f'<ofd:Page ID="{100 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(pages))
            + "</ofd:Pages></ofd:Document>"
        ),
    }
    for number in range(pages):
        lines = "".join(
            f'<ofd:TextObject ID="{1000 + line}" Boundary="20 {20 + line * 8} 170 8" Font="1" Size="4.2">'
            f'<ofd:TextCode X="0" Y="5">第{number + 1}页 第{line + 1}条 甲乙双方就货物供应达成如下协议。</ofd:TextCode>'
            "</ofd:TextObject>"
            for line in range(30)
        )
        files[f"Doc_0/Pages/Page_{number}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}"><ofd:Content>'
            f'<ofd:Layer ID="2">{lines}</ofd:Layer></ofd:Content></ofd:Page>'
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode())
    return buffer.getvalue()


def _pem(certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def main(pages: int = 3) -> None:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko.stamp import StaticStampStyle
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from documents.pdf import sign as pdf_sign
    from documents.pdf.ofd import OfdSigner, ofd_placements, seal_ofd_version
    from documents.pdf.sign import Placement, SigningKey, Timestamping, stamp_and_sign
    from sealcore import national_format, sm2
    from sealcore.ofd import seal as ofd_seal
    from sealcore.ofd.render import ofd_to_pdf
    from seals import ca, keys
    from seals.image import face_for, seal_pdf, seal_png

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
        signer_certificates=[sm2_cert.dump()],
        valid_from=now,
        valid_until=now + dt.timedelta(days=365),
        picture_png=seal_png(face),
        width_mm=42,
        height_mm=42,
    )
    ofd = make_ofd(pages)
    pdf = ofd_to_pdf(ofd).pdf  # the same content as PDF
    appearance = seal_pdf(face)
    timestamping = Timestamping(tsa_key, _pem(tsa_cert), _pem(root_cert))
    placement = {"page": 0, "x": 380, "y": 80, "width": 119, "height": 119, "kind": "single"}
    page_boxes = [{"left": 0, "bottom": 0, "right": 595.28, "top": 841.89}] * pages
    ofd_signer = OfdSigner(key_pair=sm2_key, certificate_der=sm2_cert.dump(), seal_der=seal_der)
    timestamper = pdf_sign._timestamper(timestamping)  # the in-process TSA the PDF engine uses

    def ofd_timestamped(data: bytes) -> bytes:
        def timestamp(value: bytes) -> bytes:
            return asyncio.run(timestamper.async_timestamp(hashlib.sha256(value).digest(), "sha256")).dump()

        singles, _cross = ofd_placements([placement], page_boxes)
        return ofd_seal.seal_ofd(
            data,
            sign=lambda message: sm2.sign(sm2_key, message),
            signer_certificate=sm2_cert.dump(),
            signed_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            seal_der=seal_der,
            placements=singles,
            timestamp=timestamp,
        )

    def asn1_cert(c):
        return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))

    def asn1_key(k):
        return asn1_keys.PrivateKeyInfo.load(
            k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )

    raw_signer = signers.SimpleSigner(
        signing_cert=asn1_cert(certificate),
        signing_key=asn1_key(private_key),
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert(seal_ca_cert), asn1_cert(root_cert)]),
    )
    raw_timestamper = DummyTimeStamper(tsa_cert=asn1_cert(tsa_cert), tsa_key=asn1_key(tsa_key))
    appearance_file = tempfile.NamedTemporaryFile(suffix=".pdf")  # noqa: SIM115 - closed at the end
    appearance_file.write(appearance)
    appearance_file.flush()

    def raw() -> bytes:
        style = StaticStampStyle.from_pdf_file(appearance_file.name, border_width=0)
        meta = signers.PdfSignatureMetadata(field_name="Seal1", subfilter=fields.SigSeedSubFilter.PADES)
        spec = fields.SigFieldSpec("Seal1", on_page=0, box=(380, 80, 499, 199))
        output = io.BytesIO()
        signers.PdfSigner(
            meta, raw_signer, timestamper=raw_timestamper, new_field_spec=spec, stamp_style=style
        ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=output)
        return output.getvalue()

    def product_pdf() -> bytes:
        return stamp_and_sign(
            pdf,
            placement=Placement(page=0, x=380, y=80, width=119, height=119),
            appearance_pdf=appearance,
            signing_key=SigningKey(private_key, _pem(certificate), [_pem(seal_ca_cert), _pem(root_cert)]),
            timestamping=timestamping,
            field_name="Seal1",
        )

    def product_ofd_plain() -> bytes:
        return seal_ofd_version(ofd, signer=ofd_signer, placements=[placement], pages=page_boxes, timestamping=None)

    runs = {
        "raw pyHanko (PDF, B-T)": raw,
        "Sealhub PDF (B-T)": product_pdf,
        "Sealhub OFD (SES v4 + timestamp)": lambda: ofd_timestamped(ofd),
        "Sealhub OFD (SES v4, no timestamp)": product_ofd_plain,
    }
    for run in runs.values():  # warm caches (fonts, timestamper, imports)
        run()
    timings = {name: [] for name in runs}
    sizes = {}
    for _ in range(SAMPLES):
        for name, run in runs.items():
            started = time.perf_counter()
            sizes[name] = len(run())
            timings[name].append(time.perf_counter() - started)
    appearance_file.close()
    medians = {name: statistics.median(values) * 1000 for name, values in timings.items()}
    raw_ms = medians["raw pyHanko (PDF, B-T)"]
    print(f"content: {pages} page(s) of text; OFD {len(ofd):,} bytes, the same as PDF {len(pdf):,} bytes")
    for name, median in medians.items():
        print(
            f"{name:36s} median {median:7.1f} ms  ({median / raw_ms:4.2f}x raw pyHanko)  output {sizes[name]:,} bytes"
        )
    ofd_ms, pdf_ms = medians["Sealhub OFD (SES v4 + timestamp)"], medians["Sealhub PDF (B-T)"]
    print(f"ratio OFD / PDF sealing (both timestamped): {ofd_ms / pdf_ms:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
