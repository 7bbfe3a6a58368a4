"""Sealing an OFD file (GB/T 33190 §18, GM/T 0099): a pure function from the file's bytes to
the sealed file's bytes.

What is written, for a signature of type Seal: the seal (`Seal.esl`), a `Signature.xml` whose
SignedInfo names the provider, SM3withSM2, the time, one Reference (SM3 CheckValue) for every
file of the package except the signature list, the stamp annotations and the seal; then
`SignedValue.dat`, an SES_Signature v4 whose dataHash is SM3 of the whole Signature.xml as
stored and whose propertyInfo is its path; and the new entry in `Signatures.xml` (created,
and named in OFD.xml, for the first signature). The signature list stays outside every
signature so that later parties can add theirs; everything an earlier signature wrote is
protected by the later ones. Type Sign writes a GB/T 35275 SignedData instead and no seal.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lxml import etree

from sealcore import national_format, sm2
from sealcore.ofd import container as zipped
from sealcore.ofd import signed_data, xml
from sealcore.ofd.container import DEFAULT_LIMITS, Limits
from sealcore.ofd.errors import OfdError, SealingRefused
from sealcore.ofd.package import Box, Document, OfdPackage, open_ofd, parse_signature_file

SEAL = "Seal"
SIGN = "Sign"
SHA256_OID = "2.16.840.1.101.3.4.2.1"
CHECK_METHODS = {sm2.SM3_OID: sm2.sm3, SHA256_OID: lambda data: hashlib.sha256(data).digest()}


@dataclass(frozen=True)
class Placement:
    """A seal on one page: `box` in millimetres from the page's top-left corner."""

    page: int  # 0-based
    box: Box


@dataclass(frozen=True)
class CrossPage:
    """A cross-page seal (骑缝章) at the right edge: each of the pages shows its slice."""

    y: float
    width: float
    height: float
    pages: tuple[int, ...] = ()  # 0-based; empty: every page


@dataclass(frozen=True)
class Provider:
    name: str = "Sealhub"
    company: str = "Sealhub"
    version: str = "1.0"


def seal_ofd(
    data: bytes,
    *,
    sign: Callable[[bytes], bytes],
    signer_certificate: bytes,
    signed_at: dt.datetime,
    seal_der: bytes | None = None,
    placements: Sequence[Placement] = (),
    cross_page: CrossPage | None = None,
    kind: str = SEAL,
    check_method: str = sm2.SM3_OID,
    timestamp: Callable[[bytes], bytes] | None = None,
    provider: Provider = Provider(),  # noqa: B008 - frozen, never mutated
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:
    """`sign(message)` returns SM3withSM2 of `message` (DER r, s) with the key of
    `signer_certificate`; `timestamp(signature_value)` an RFC 3161 token (Seal only)."""
    if kind not in (SEAL, SIGN):
        raise OfdError(f"unknown signature type {kind!r}", code="bad_request")
    if check_method not in CHECK_METHODS:
        raise OfdError(f"unknown check method {check_method!r}", code="bad_request")
    if kind == SEAL:
        _check_seal(seal_der, signer_certificate)
    package = open_ofd(data, limits)
    document = package.documents[0]
    refuse_if_list_protected(package, document, limits)
    files = dict(package.files)
    signatures_path = document.signatures_path
    if signatures_path is None:
        signatures_path = zipped.parent(document.root_path).rstrip("/") + "/Signs/Signatures.xml"
        files["/OFD.xml"] = _with_signature_list(files["/OFD.xml"], signatures_path)
    sign_dir = _new_sign_dir(files, zipped.parent(signatures_path))
    sign_id = _next_id(document)
    annotations = _annotations(document, placements, cross_page)
    seal_path = f"{sign_dir}/Seal.esl"
    if kind == SEAL:
        files[seal_path] = seal_der
    signature_path = f"{sign_dir}/Signature.xml"
    signed_value_path = f"{sign_dir}/SignedValue.dat"
    protected = [path for path in files if path != signatures_path]
    signature_xml = _signature_xml(
        namespace=package.namespace or xml.OFD_NAMESPACE,
        provider=provider,
        signed_at=signed_at,
        check_method=check_method,
        references=[(path, CHECK_METHODS[check_method](files[path])) for path in protected],
        annotations=annotations,
        seal_path=seal_path if kind == SEAL else None,
        signed_value_path=signed_value_path,
    )
    if kind == SEAL:
        value = national_format.build_signature(
            sign=sign,
            signer_certificate=signer_certificate,
            seal_der=seal_der,
            data_hash=sm2.sm3(signature_xml),
            property_info=signature_path,
            signed_at=signed_at,
            timestamp=timestamp,
        )
    else:
        value = signed_data.build(sign=sign, signer_certificate=signer_certificate, content=signature_xml)
    files[signature_path] = signature_xml
    files[signed_value_path] = value
    files[signatures_path] = _with_signature_entry(
        files.get(signatures_path), package.namespace or xml.OFD_NAMESPACE, sign_id, kind, signature_path
    )
    return _zip(files)


def _check_seal(seal_der: bytes | None, signer_certificate: bytes) -> None:
    if not seal_der:
        raise OfdError("a seal signature needs the seal", code="bad_request")
    try:
        seal = national_format.parse_seal(seal_der)
    except national_format.MalformedSealData as exc:
        raise OfdError(f"the seal is malformed: {exc}", code="bad_seal") from exc
    if seal.cert_list_type == national_format.CERT_LIST_CERTIFICATES and signer_certificate not in seal.certificates:
        raise SealingRefused("the signer certificate is not listed in the seal", code="signer_not_in_seal")


def refuse_if_list_protected(package: OfdPackage, document: Document, limits: Limits) -> None:
    for entry in document.signatures:
        if entry.path is None:
            raise SealingRefused(f"signature {entry.id} is missing from the package", code="broken_signature")
        signature = parse_signature_file(package, entry.path, limits)
        if any(reference.path == document.signatures_path for reference in signature.references):
            raise SealingRefused(
                "an earlier signature protects the signature list: another signature would break it",
                code="signature_list_protected",
            )


def _new_sign_dir(files: dict[str, bytes], signs_dir: str) -> str:
    number = 0
    while any(path.startswith(f"{signs_dir}/Sign_{number}/") for path in files):
        number += 1
    return f"{signs_dir.rstrip('/')}/Sign_{number}"


def _next_id(document: Document) -> str:
    ids = [entry.id for entry in document.signatures] + [document.max_sign_id]
    numbers = [int(digits) for value in ids for digits in re.findall(r"\d+", value or "")[-1:]]
    return str(max(numbers, default=0) + 1)


def _annotations(
    document: Document, placements: Sequence[Placement], cross_page: CrossPage | None
) -> list[tuple[str, Box, Box | None]]:
    """(page ID, boundary, clip) for each stamp annotation."""
    found = []
    for placement in placements:
        page = _page(document, placement.page)
        box = placement.box
        inside = box.x >= 0 and box.y >= 0 and box.x + box.width <= page.box.width
        if not (inside and box.y + box.height <= page.box.height and box.width > 0 and box.height > 0):
            raise OfdError(f"the seal does not fit on page {placement.page + 1}", code="bad_placement")
        found.append((page.id, box, None))
    if cross_page is not None:
        pages = [_page(document, index) for index in (cross_page.pages or range(len(document.pages)))]
        if len(pages) < 2:
            raise OfdError("a cross-page seal needs at least two pages", code="bad_placement")
        slice_width = cross_page.width / len(pages)
        for number, page in enumerate(pages):
            if cross_page.width > page.box.width or cross_page.y + cross_page.height > page.box.height:
                raise OfdError(f"the seal does not fit on page {page.index + 1}", code="bad_placement")
            left = page.box.width - (number + 1) * slice_width
            boundary = Box(left, cross_page.y, cross_page.width, cross_page.height)
            found.append((page.id, boundary, Box(number * slice_width, 0, slice_width, cross_page.height)))
    return found


def _page(document: Document, index: int):
    if not 0 <= index < len(document.pages):
        raise OfdError(f"there is no page {index + 1}", code="bad_placement")
    page = document.pages[index]
    if not page.id:
        raise OfdError(f"page {index + 1} has no ID to refer to", code="bad_placement")
    return page


def _element(parent, namespace: str, name: str, text: str | None = None, **attributes):
    element = etree.SubElement(parent, f"{{{namespace}}}{name}", {k: v for k, v in attributes.items() if v})
    if text is not None:
        element.text = text
    return element


def _signature_xml(
    *,
    namespace: str,
    provider: Provider,
    signed_at: dt.datetime,
    check_method: str,
    references: list[tuple[str, bytes]],
    annotations: list[tuple[str, Box, Box | None]],
    seal_path: str | None,
    signed_value_path: str,
) -> bytes:
    root = etree.Element(f"{{{namespace}}}Signature", nsmap={"ofd": namespace})
    info = _element(root, namespace, "SignedInfo")
    _element(
        info, namespace, "Provider", ProviderName=provider.name, Company=provider.company, Version=provider.version
    )
    _element(info, namespace, "SignatureMethod", sm2.SM3_WITH_SM2_OID)
    _element(info, namespace, "SignatureDateTime", signed_at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%SZ"))
    listed = _element(info, namespace, "References", CheckMethod=check_method)
    for path, digest in references:
        reference = _element(listed, namespace, "Reference", FileRef=path)
        _element(reference, namespace, "CheckValue", base64.b64encode(digest).decode("ascii"))
    for number, (page_id, boundary, clip) in enumerate(annotations, start=1):
        _element(
            info,
            namespace,
            "StampAnnot",
            ID=str(number),
            PageRef=page_id,
            Boundary=boundary.text(),
            Clip=clip.text() if clip else None,
        )
    if seal_path is not None:
        seal = _element(info, namespace, "Seal")
        _element(seal, namespace, "BaseLoc", seal_path)
    _element(root, namespace, "SignedValue", signed_value_path)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _with_signature_list(ofd_xml: bytes, signatures_path: str) -> bytes:
    root = xml.parse(ofd_xml, "/OFD.xml")
    body = xml.child(root, "DocBody")
    existing = xml.child(body, "Signatures")
    if existing is not None:  # it names a list that is not in the package: point it at the new one
        existing.text = signatures_path
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    anchor = xml.child(body, "Versions") if xml.child(body, "Versions") is not None else xml.child(body, "DocRoot")
    namespace = xml.namespace(anchor if anchor is not None else body) or xml.namespace(root)
    element = etree.Element(f"{{{namespace}}}Signatures" if namespace else "Signatures")
    element.text = signatures_path
    if anchor is not None:
        anchor.addnext(element)
    else:
        body.append(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _with_signature_entry(current: bytes | None, namespace: str, sign_id: str, kind: str, path: str) -> bytes:
    if current is None:
        root = etree.Element(f"{{{namespace}}}Signatures", nsmap={"ofd": namespace})
        _element(root, namespace, "MaxSignId", sign_id)
    else:
        root = xml.parse(current, "Signatures.xml")
        namespace = xml.namespace(root)
        max_id = xml.child(root, "MaxSignId")
        if max_id is None:
            max_id = etree.Element(f"{{{namespace}}}MaxSignId" if namespace else "MaxSignId")
            root.insert(0, max_id)
        max_id.text = sign_id
    tag = f"{{{namespace}}}Signature" if namespace else "Signature"
    etree.SubElement(root, tag, {"ID": sign_id, "Type": kind, "BaseLoc": path})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in files.items():
            info = zipfile.ZipInfo(path.lstrip("/"), date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
