"""An OFD package read into plain data: OFD.xml → DocBody → Document.xml → pages, and the
signature list (Signatures.xml → Signature.xml). Every XML part of the package is parsed
(under the rules of xml.py) before anything is accepted, so a hostile part anywhere is
refused, not only in the parts a reader happens to open."""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass, field

from sealcore.ofd import container as zipped
from sealcore.ofd import xml
from sealcore.ofd.container import DEFAULT_LIMITS, Container, Limits
from sealcore.ofd.errors import MalformedStructure, MalformedXml, OfdError

ENTRY_POINT = "/OFD.xml"


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    def text(self) -> str:
        return " ".join(_number(value) for value in (self.x, self.y, self.width, self.height))


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


@dataclass(frozen=True)
class Page:
    index: int
    id: str
    path: str  # canonical path of the page's Content.xml
    box: Box  # PhysicalBox in millimetres


@dataclass(frozen=True)
class SignatureEntry:
    id: str
    type: str  # "Seal" or "Sign" (an absent Type means Seal)
    path: str | None  # canonical path of Signature.xml, None if it is not in the package
    base_loc: str


@dataclass(frozen=True)
class Document:
    index: int
    root_path: str  # Document.xml
    pages: list[Page]
    signatures_path: str | None  # Signatures.xml
    signatures: list[SignatureEntry]
    max_sign_id: str


@dataclass(frozen=True)
class OfdPackage:
    container: Container
    documents: list[Document]
    namespace: str
    deviations: list[str] = field(default_factory=list)

    @property
    def files(self) -> dict[str, bytes]:
        return self.container.files


def is_ofd(data: bytes) -> bool:
    """Told by content: a zip whose central directory has an OFD.xml at its root. A quick
    look only; open_ofd decides."""
    if not zipped.looks_like_zip(data):
        return False
    return b"OFD.xml" in data[-65536 - 22 :]


def parse_box(value: str, what: str, limits: Limits) -> Box:
    try:
        numbers = [float(part) for part in (value or "").replace(",", " ").split()]
    except ValueError as exc:
        raise MalformedStructure(f"{what} is not a box: {value!r}", code="bad_box") from exc
    if len(numbers) != 4 or not all(math.isfinite(number) for number in numbers):
        raise MalformedStructure(f"{what} is not a box: {value!r}", code="bad_box")
    box = Box(*numbers)
    if box.width <= 0 or box.height <= 0:
        raise MalformedStructure(f"{what} has no area: {value!r}", code="bad_box")
    if box.width > limits.max_page_mm or box.height > limits.max_page_mm:
        raise MalformedStructure(f"{what} is larger than allowed", code="page_too_large")
    return box


def open_ofd(data: bytes, limits: Limits = DEFAULT_LIMITS) -> OfdPackage:
    package = zipped.read_container(data, limits)
    parsed: dict[str, object] = {}
    deviations = []
    for path, content in package.files.items():
        if not path.lower().endswith(".xml"):
            continue
        try:
            parsed[path] = xml.parse(content, path, max_bytes=limits.max_xml_bytes)
        except MalformedXml as error:
            # E-invoices ship custom tag parts that are not well-formed (`<:eInvoice xmlns:="">`).
            # Signatures cover their bytes; the structure read here never needs them. A DTD
            # or an oversized part is refused wherever it is.
            if error.code != "malformed_xml":
                raise
            if xml.declares_dtd(content):
                raise MalformedXml(f"{path} declares a DTD or entities", code="xml_entities", path=path) from error
            parsed[path] = error
            deviations.append(f"{path} is not well-formed XML (not read)")
    root = _xml_at(parsed, ENTRY_POINT, "the entry point") if ENTRY_POINT in parsed else None
    if root is None:
        raise MalformedStructure("OFD.xml is missing", code="no_entry_point", path=ENTRY_POINT)
    if xml.local(root) != "OFD":
        raise MalformedStructure("OFD.xml is not an OFD entry point", code="no_entry_point", path=ENTRY_POINT)
    ns = xml.namespace(root)
    if ns != xml.OFD_NAMESPACE:
        deviations.append(f"namespace {ns or '(none)'!r} instead of {xml.OFD_NAMESPACE!r}")
    bodies = xml.children(root, "DocBody")
    if not bodies:
        raise MalformedStructure("OFD.xml names no document", code="no_document", path=ENTRY_POINT)
    if len(bodies) > limits.max_documents:
        raise MalformedStructure("too many documents", code="too_many_documents", path=ENTRY_POINT)
    documents = []
    total_pages = 0
    for index, body in enumerate(bodies):
        document = _document(package, parsed, body, index, limits, deviations)
        total_pages += len(document.pages)
        if total_pages > limits.max_pages:
            raise MalformedStructure("too many pages", code="too_many_pages")
        documents.append(document)
    return OfdPackage(container=package, documents=documents, namespace=ns, deviations=deviations)


def _required(package: Container, base: str, location: str, what: str) -> str:
    if not location:
        raise MalformedStructure(f"{what} is not named", code="missing_file")
    path = zipped.locate(package, base, location)
    if path is None:
        raise MalformedStructure(f"{what} {location!r} is missing", code="missing_file", path=location)
    return path


def _xml_at(parsed: dict, path: str, what: str):
    if path not in parsed:
        raise MalformedXml(f"{what} {path} is not an XML part", path=path)
    found = parsed[path]
    if isinstance(found, MalformedXml):
        raise found
    return found


def _document(package: Container, parsed: dict, body, index: int, limits: Limits, deviations: list[str]) -> Document:
    # DocRoot as an attribute of DocBody: written so by some producers, read the same way.
    root_path = _required(package, "/", xml.text(body, "DocRoot") or body.get("DocRoot", ""), "the document")
    document = _xml_at(parsed, root_path, "the document")
    if xml.local(document) != "Document":
        raise MalformedStructure(f"{root_path} is not a Document", code="no_document", path=root_path)
    base = zipped.parent(root_path)
    default_area = xml.path_text(document, "CommonData", "PageArea", "PhysicalBox")
    pages_element = xml.child(document, "Pages")
    page_elements = xml.children(pages_element, "Page") if pages_element is not None else []
    if len(page_elements) > limits.max_pages:
        raise MalformedStructure("too many pages", code="too_many_pages", path=root_path)
    pages = []
    for number, element in enumerate(page_elements):
        path = _required(package, base, element.get("BaseLoc", ""), f"page {number + 1}")
        content = _xml_at(parsed, path, f"page {number + 1}")
        area = xml.path_text(content, "Area", "PhysicalBox") or default_area
        if not area:
            raise MalformedStructure(f"page {number + 1} has no size", code="bad_box", path=path)
        box = parse_box(area, f"the size of page {number + 1}", limits)
        pages.append(Page(index=number, id=(element.get("ID") or "").strip(), path=path, box=box))
    if not pages:
        raise MalformedStructure("the document has no pages", code="no_pages", path=root_path)
    signatures_location = xml.text(body, "Signatures")
    signatures_path, entries, max_sign_id = None, [], ""
    if signatures_location and zipped.locate(package, "/", signatures_location) is None:
        # Named but absent (invoice templates ship so): nothing claims to be signed, and the
        # reader is told. A deleted list looks the same as one never written, signed or not.
        deviations.append(f"the signature list {signatures_location!r} is named but missing")
        signatures_location = ""
    if signatures_location:
        signatures_path = _required(package, "/", signatures_location, "the signature list")
        signatures_root = _xml_at(parsed, signatures_path, "the signature list")
        if xml.local(signatures_root) != "Signatures":
            raise MalformedStructure("the signature list is not Signatures", path=signatures_path)
        max_sign_id = xml.text(signatures_root, "MaxSignId")
        elements = xml.children(signatures_root, "Signature")
        if len(elements) > limits.max_signatures:
            raise MalformedStructure("too many signatures", code="too_many_signatures", path=signatures_path)
        for element in elements:
            base_loc = (element.get("BaseLoc") or "").strip()
            entries.append(
                SignatureEntry(
                    id=(element.get("ID") or "").strip(),
                    type=(element.get("Type") or "Seal").strip(),
                    path=zipped.locate(package, zipped.parent(signatures_path), base_loc) if base_loc else None,
                    base_loc=base_loc,
                )
            )
    return Document(
        index=index,
        root_path=root_path,
        pages=pages,
        signatures_path=signatures_path,
        signatures=entries,
        max_sign_id=max_sign_id,
    )


# ---------------------------------------------------------------------------- Signature.xml


@dataclass(frozen=True)
class Reference:
    file_ref: str
    path: str | None  # None when no entry answers to FileRef
    check_value: bytes | None  # None when CheckValue is not Base64


@dataclass(frozen=True)
class StampAnnot:
    id: str
    page_ref: str
    boundary: Box
    clip: Box | None


@dataclass(frozen=True)
class SignatureFile:
    path: str
    raw: bytes
    provider: dict[str, str]
    signature_method: str
    signature_datetime: str
    check_method: str
    references: list[Reference]
    stamp_annots: list[StampAnnot]
    seal_path: str | None
    seal_location: str
    signed_value_path: str | None
    signed_value_location: str


def parse_signature_file(package: OfdPackage, path: str, limits: Limits = DEFAULT_LIMITS) -> SignatureFile:
    """One Signature.xml. Structure errors raise OfdError; a reference to a missing file is
    kept (path None) for the verifier to report as a removed file."""
    raw = package.files[path]
    root = xml.parse(raw, path, max_bytes=limits.max_xml_bytes)
    if xml.local(root) != "Signature":
        raise MalformedStructure(f"{path} is not a Signature", path=path)
    base = zipped.parent(path)
    info = xml.child(root, "SignedInfo")
    if info is None:
        raise MalformedStructure(f"{path} has no SignedInfo", path=path)
    provider_element = xml.child(info, "Provider")
    provider = dict(provider_element.attrib) if provider_element is not None else {}
    references_element = xml.child(info, "References")
    if references_element is None:
        raise MalformedStructure(f"{path} protects no files (no References)", code="no_references", path=path)
    reference_elements = xml.children(references_element, "Reference")
    if not reference_elements:
        raise MalformedStructure(f"{path} protects no files (no References)", code="no_references", path=path)
    if len(reference_elements) > limits.max_references:
        raise MalformedStructure(f"{path} has too many references", code="too_many_references", path=path)
    references = []
    for element in reference_elements:
        file_ref = (element.get("FileRef") or "").strip()
        if not file_ref:
            raise MalformedStructure(f"{path} has a reference without FileRef", path=path)
        references.append(
            Reference(
                file_ref=file_ref,
                path=zipped.locate(package.container, base, file_ref, strict=True),
                check_value=_base64(xml.text(element, "CheckValue")),
            )
        )
    annots = []
    for element in xml.children(info, "StampAnnot"):
        clip = element.get("Clip")
        annots.append(
            StampAnnot(
                id=(element.get("ID") or "").strip(),
                page_ref=(element.get("PageRef") or "").strip(),
                boundary=parse_box(element.get("Boundary", ""), "a stamp annotation", limits),
                clip=parse_box(clip, "a stamp clip", limits) if clip else None,
            )
        )
    seal_location = xml.path_text(info, "Seal", "BaseLoc")
    signed_value_location = xml.text(root, "SignedValue")
    return SignatureFile(
        path=path,
        raw=raw,
        provider=provider,
        signature_method=xml.text(info, "SignatureMethod"),
        signature_datetime=xml.text(info, "SignatureDateTime"),
        check_method=(references_element.get("CheckMethod") or "").strip(),
        references=references,
        stamp_annots=annots,
        seal_path=zipped.locate(package.container, base, seal_location) if seal_location else None,
        seal_location=seal_location,
        signed_value_path=(
            zipped.locate(package.container, base, signed_value_location) if signed_value_location else None
        ),
        signed_value_location=signed_value_location,
    )


def _base64(value: str) -> bytes | None:
    try:
        return base64.b64decode("".join(value.split()), validate=True) if value else None
    except (binascii.Error, ValueError):
        return None


__all__ = [
    "Box",
    "Document",
    "Limits",
    "OfdError",
    "OfdPackage",
    "Page",
    "Reference",
    "SignatureEntry",
    "SignatureFile",
    "StampAnnot",
    "is_ofd",
    "open_ofd",
    "parse_signature_file",
]
