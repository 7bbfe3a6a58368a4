"""The national-format (GB/T 38540) signature inside a sealed PDF, next to the PAdES one.

Where it lives: the `SES_Signature` DER is a (direct) string in the PAdES signature's own
field dictionary under the key /SES_Signature, written in the same incremental revision
before the PAdES signature is computed. So:
- the PAdES signature covers it (tampering with the SM2 signature breaks the PAdES one too),
  and the file still ends with the PAdES signature's revision: Adobe Reader and pyHanko see an
  ordinary PAdES signature and ignore the unknown key;
- the SM2 signature protects the bytes of the file as they were before this revision (the
  range is named in propertyInfo as "/ByteRange [0 N]"); every byte the PAdES signature adds
  afterwards is outside it by construction;
- no document-level object (names tree, catalog) changes, so earlier signatures still see
  only an allowed "new signature field" change.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from sealcore import national_format, sm2

FIELD_KEY = "/SES_Signature"
PROPERTY_PATTERN = re.compile(r"^/ByteRange \[0 (\d{1,12})\]$")


@dataclass(frozen=True)
class NationalSigning:
    """What the SM2 signature needs: the seal's SM2 key (unlocked for this job only), its
    SM2 certificate (DER) and its SESeal (DER)."""

    key_pair: sm2.Sm2KeyPair
    certificate_der: bytes
    seal_der: bytes


def protected_range_property(length: int) -> str:
    return f"/ByteRange [0 {length}]"


def protected_prefix(data: bytes) -> Callable[[str], bytes | None]:
    """For the verifier: the bytes a propertyInfo names inside `data`, None if it names
    something else or more than the file holds."""

    def lookup(property_info: str) -> bytes | None:
        match = PROPERTY_PATTERN.match(property_info or "")
        if match is None or int(match.group(1)) > len(data):
            return None
        return data[: int(match.group(1))]

    return lookup


def national_signature_der(data: bytes, national: NationalSigning, *, signed_at, timestamper=None) -> bytes:
    """The SES_Signature over `data` (the whole file before this revision)."""

    def timestamp(signature_value: bytes) -> bytes:
        token = asyncio.run(timestamper.async_timestamp(hashlib.sha256(signature_value).digest(), "sha256"))
        return token.dump()

    return national_format.build_signature(
        signer_key=national.key_pair,
        signer_certificate=national.certificate_der,
        seal_der=national.seal_der,
        data_hash=sm2.sm3(data),
        property_info=protected_range_property(len(data)),
        signed_at=signed_at,
        timestamp=timestamp if timestamper is not None else None,
    )


# In a literal string only the delimiters, the escape character and CR need escaping (a bare
# CR would be read back as LF); every other byte is written as itself.
_ESCAPE = re.compile(rb"[()\\\r]")


def _escaped(match: re.Match) -> bytes:
    return b"\\r" if match.group() == b"\r" else b"\\" + match.group()


class BinaryString(generic.ByteStringObject):
    """A byte string written as a PDF literal string: about one byte per byte, where pyHanko
    writes hex (two per byte). The SES_Signature carries the whole seal file, picture and
    all, so this is the difference between the seal adding its own size and twice that.
    An encrypted file keeps pyHanko's way (its string filter writes hex)."""

    def write_to_stream(self, stream, handler=None, container_ref=None):
        if handler is not None and container_ref is not None:
            return super().write_to_stream(stream, handler, container_ref)
        stream.write(b"(")
        stream.write(_ESCAPE.sub(_escaped, bytes(self)))
        stream.write(b")")
        return None


def attach_to_field(writer, field_name: str, der: bytes) -> None:
    """Put the SES_Signature on the (new, still empty) signature field `field_name`."""
    for name, _value, field_ref in enumerate_sig_fields(writer):
        if name == field_name:
            field = field_ref.get_object()
            # A direct string, not a stream: a new indirect object would be a change that
            # pyHanko's diff analysis cannot explain for earlier signatures.
            field[generic.NameObject(FIELD_KEY)] = BinaryString(der)
            writer.update_container(field)
            return
    raise ValueError(f"no signature field {field_name!r}")


def _as_bytes(value) -> bytes:
    if isinstance(value, generic.StreamObject):
        return value.data
    if isinstance(value, generic.TextStringObject):
        return value.original_bytes
    return bytes(value)


@dataclass(frozen=True)
class EmbeddedNationalSignature:
    field_name: str
    der: bytes


def national_signatures(data: bytes) -> list[EmbeddedNationalSignature]:
    """Every SES_Signature stored on a signature field, in field order. Unreadable PDFs
    give an empty list (the PAdES verifier reports those)."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        found = []
        for name, _value, field_ref in enumerate_sig_fields(reader, filled_status=None):
            value = field_ref.get_object().get(FIELD_KEY)
            if value is not None:
                found.append(EmbeddedNationalSignature(field_name=name, der=_as_bytes(value)))
        return found
    except Exception:  # a broken PDF is reported by the PAdES verifier, not here
        return []


@dataclass
class NationalStepReport:
    name: str
    result: str
    detail: str = ""


@dataclass
class NationalReport:
    """One national-format check: an SES_Signature found in a PDF, or an `.esl` seal."""

    kind: str  # "signature" | "seal"
    field_name: str = ""
    verdict: str = national_format.CANNOT_VERIFY
    failed_step: str = ""
    version: int | None = None
    seal_name: str = ""
    es_id: str = ""
    signer: str = ""
    signed_at: object = None
    property_info: str = ""
    steps: list[NationalStepReport] = field(default_factory=list)


def _report(kind: str, verdict: national_format.Verdict, field_name: str = "") -> NationalReport:
    report = NationalReport(
        kind=kind,
        field_name=field_name,
        verdict=verdict.verdict,
        failed_step=verdict.failed_step,
        steps=[NationalStepReport(step.name, step.result, step.detail) for step in verdict.steps],
    )
    if verdict.seal is not None:
        report.version, report.seal_name, report.es_id = verdict.seal.version, verdict.seal.name, verdict.seal.es_id
    if verdict.signature is not None:
        report.signed_at, report.property_info = verdict.signature.signed_at, verdict.signature.property_info
        try:
            report.signer = sm2.load_certificate(verdict.signature.signer_certificate).subject.human_friendly
        except ValueError:
            report.signer = ""
    return report


def national_signature_reports(data: bytes, trust: national_format.Trust) -> list[NationalReport]:
    """Every SES_Signature in the PDF, verified against the bytes its propertyInfo names."""
    return [
        _report(
            "signature",
            national_format.verify_signature(item.der, protected_data=protected_prefix(data), trust=trust),
            item.field_name,
        )
        for item in national_signatures(data)
    ]


def national_seal_report(data: bytes, trust: national_format.Trust) -> NationalReport:
    """An `.esl` file: the seal on its own (structure, maker, validity today)."""
    return _report("seal", national_format.verify_seal(data, trust=trust))
