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
