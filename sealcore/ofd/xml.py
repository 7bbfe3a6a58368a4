"""XML parts of an OFD file, parsed with entities, DTDs and the network off.

A part that declares a DOCTYPE (the carrier of entity expansion and external references)
is refused outright: OFD never needs one. Elements are matched by local name, so the OFD
namespace written without `/2016` (seen in the field) and extension namespaces are read."""

from __future__ import annotations

from lxml import etree

from sealcore.ofd.errors import MalformedXml

OFD_NAMESPACE = "http://www.ofdspec.org/2016"
OFD_NAMESPACES = (OFD_NAMESPACE, "http://www.ofdspec.org")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse(data: bytes, path: str, *, max_bytes: int = 16 * 1024 * 1024) -> etree._Element:
    if len(data) > max_bytes:
        raise MalformedXml(f"{path} is larger than allowed", code="xml_too_large", path=path)
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise MalformedXml(f"{path} is not well-formed XML: {exc}", path=path) from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise MalformedXml(f"{path} declares a DTD or entities", code="xml_entities", path=path)
    return root


_DTD_MARKERS = [
    marker.encode(encoding) for marker in ("<!DOCTYPE", "<!ENTITY") for encoding in ("utf-8", "utf-16-le", "utf-16-be")
]


def declares_dtd(data: bytes) -> bool:
    """For a part that is not well-formed: does it try to declare a DTD or entities anyway?
    (A recovering parse, entities still off, plus a plain look for the markers.)"""
    if any(marker in data for marker in _DTD_MARKERS):
        return True
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return False
    if root is None:
        return False
    info = root.getroottree().docinfo
    return bool(info.doctype) or info.internalDTD is not None


def local(element) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(element) -> str:
    tag = element.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def children(element, name: str) -> list:
    return [child for child in element if local(child) == name]


def child(element, name: str):
    for item in element:
        if local(item) == name:
            return item
    return None


def text(element, name: str) -> str:
    found = child(element, name) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def path_text(element, *names: str) -> str:
    for name in names:
        if element is None:
            return ""
        element = child(element, name)
    return (element.text or "").strip() if element is not None else ""
