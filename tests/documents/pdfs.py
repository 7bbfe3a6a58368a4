"""Real PDFs made for the tests (reportlab), with the awkward cases viewers get wrong."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def make_pdf(pages: int = 1, *, text: str = "Contract") -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for number in range(1, pages + 1):
        pdf.setFont("Helvetica", 14)
        pdf.drawString(72, 760, f"{text} - page {number}")
        pdf.drawString(400, 120, "Seal here")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def with_page_changes(data: bytes, *, rotate: int = 0, crop_offset: tuple[float, float] | None = None) -> bytes:
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for page in reader.pages:
        if rotate:
            page.rotate(rotate)
        if crop_offset:
            dx, dy = crop_offset
            page.cropbox = RectangleObject((dx, dy, float(page.mediabox.right) - 20, float(page.mediabox.top) - 20))
        writer.add_page(page)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def encrypted_pdf() -> bytes:
    reader = PdfReader(io.BytesIO(make_pdf()))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt("secret")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def content_bomb_pdf(inflated_mb: int = 100, *, unit: bytes = b"BT /F1 12 Tf 72 700 Td (Seal here) Tj ET\n") -> bytes:
    """A one-page PDF whose content stream is a few hundred KB of FlateDecode that inflates
    to `inflated_mb` MB of text-drawing operators (a decompression bomb for text search and
    page rendering; the page tree itself is ordinary, so the upload check accepts it)."""
    import zlib

    compressor = zlib.compressobj(9)
    chunk = unit * (1024 * 1024 // len(unit))
    stream = b"".join(compressor.compress(chunk) for _ in range(inflated_mb)) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    output = io.BytesIO()
    output.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(output.tell())
        output.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = output.tell()
    output.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    output.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    output.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return output.getvalue()


def covers_whole_file(status) -> bool:
    """The signature covers the whole file, or its own revision followed only by B-LT
    validation data (a DSS revision: pyHanko's LTA_UPDATES)."""
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    return (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level == ModificationLevel.LTA_UPDATES
    )
