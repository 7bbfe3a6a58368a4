"""Signature fields created before anyone signs, and the closing document timestamp.
Pure functions over bytes.

An envelope's first signature certifies the document with form filling allowed; every
field the later parties fill must therefore exist before it (docs/library-notes.md: a field added
after a certification signature counts as a disallowed change)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import enumerate_sig_fields

from documents.pdf.sign import _timestamper, sealing_writer


@dataclass(frozen=True)
class FieldBox:
    name: str
    page: int
    x: float
    y: float
    width: float
    height: float


def signature_fields_add(data: bytes, boxes: list[FieldBox]) -> bytes:
    """One incremental revision adding an empty, visible signature field per box."""
    writer = sealing_writer(data)  # as sealing opens it: an owner-password file, unreadable XMP
    for box in boxes:
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(
                sig_field_name=box.name,
                on_page=box.page,
                box=(box.x, box.y, box.x + box.width, box.y + box.height),
            ),
        )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def signature_field_names(data: bytes) -> dict[str, bool]:
    """Every signature field in the document and whether it is signed."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    return {name: value is not None for name, value, _ref in enumerate_sig_fields(reader)}


def document_timestamp_add(data: bytes, timestamping) -> bytes:
    """A PAdES document timestamp over the whole file (after the last signature), so the
    finished document's integrity is fixed in time."""
    writer = sealing_writer(data)  # as sealing opens it: an owner-password file, unreadable XMP
    output = io.BytesIO()
    signers.PdfTimeStamper(_timestamper(timestamping)).timestamp_pdf(writer, md_algorithm="sha256", output=output)
    return output.getvalue()
