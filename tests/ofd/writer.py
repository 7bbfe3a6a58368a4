"""A tiny OFD writer for the tests, independent of sealcore.ofd: the minimal package
GB/T 33190 asks for (OFD.xml, Document.xml with a page area, one Content.xml per page with
a text object, a public resource file with a font), as plain strings."""

from __future__ import annotations

import io
import zipfile

NS = "http://www.ofdspec.org/2016"


def ofd_xml(namespace: str = NS, doc_root: str = "Doc_0/Document.xml", signatures: str = "") -> bytes:
    signatures_element = f"<ofd:Signatures>{signatures}</ofd:Signatures>" if signatures else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ofd:OFD xmlns:ofd="{namespace}" Version="1.0" DocType="OFD">'
        f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>0a1b2c3d</ofd:DocID><ofd:Title>测试发票</ofd:Title>"
        f"<ofd:CreationDate>2026-01-01</ofd:CreationDate></ofd:DocInfo>"
        f"<ofd:DocRoot>{doc_root}</ofd:DocRoot>{signatures_element}</ofd:DocBody></ofd:OFD>"
    ).encode()


def document_xml(pages: int, namespace: str = NS, page_locations: list[str] | None = None) -> bytes:
    locations = page_locations or [f"Pages/Page_{i}/Content.xml" for i in range(pages)]
    page_elements = "".join(f'<ofd:Page ID="{10 + i}" BaseLoc="{loc}"/>' for i, loc in enumerate(locations))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ofd:Document xmlns:ofd="{namespace}"><ofd:CommonData><ofd:MaxUnitID>100</ofd:MaxUnitID>'
        f"<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        f"<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
        f"<ofd:Pages>{page_elements}</ofd:Pages></ofd:Document>"
    ).encode()


def content_xml(text: str, namespace: str = NS, box: str = "") -> bytes:
    area = f"<ofd:Area><ofd:PhysicalBox>{box}</ofd:PhysicalBox></ofd:Area>" if box else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ofd:Page xmlns:ofd="{namespace}">{area}<ofd:Content><ofd:Layer ID="2">'
        f'<ofd:TextObject ID="3" Boundary="20 20 170 10" Font="1" Size="5">'
        f'<ofd:TextCode X="0" Y="5">{text}</ofd:TextCode></ofd:TextObject>'
        f"</ofd:Layer></ofd:Content></ofd:Page>"
    ).encode()


def public_res_xml(namespace: str = NS) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ofd:Res xmlns:ofd="{namespace}" BaseLoc="Res"><ofd:Fonts>'
        f'<ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
    ).encode()


def entries(pages: int = 1, namespace: str = NS) -> list[tuple[str, bytes]]:
    files = [
        ("OFD.xml", ofd_xml(namespace)),
        ("Doc_0/Document.xml", document_xml(pages, namespace)),
        ("Doc_0/PublicRes.xml", public_res_xml(namespace)),
    ]
    for i in range(pages):
        files.append((f"Doc_0/Pages/Page_{i}/Content.xml", content_xml(f"第{i + 1}页 发票内容", namespace)))
    return files


def zip_bytes(files: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return buffer.getvalue()


def build_ofd(pages: int = 1, namespace: str = NS) -> bytes:
    return zip_bytes(entries(pages, namespace))


def replace_entry(data: bytes, name: str, content: bytes) -> bytes:
    """The same package with one entry's bytes replaced (or added)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = [(info.filename, archive.read(info)) for info in archive.infolist()]
    names = [entry for entry, _ in files]
    if name in names:
        files[names.index(name)] = (name, content)
    else:
        files.append((name, content))
    return zip_bytes(files)


def read_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}
