"""Reading OFD packages safely (sealcore/ofd/container.py, xml.py, package.py): pure, no database."""

from __future__ import annotations

import warnings
import zipfile

import pytest

from sealcore.ofd import package as ofd_package
from sealcore.ofd.container import Limits
from sealcore.ofd.errors import MalformedStructure, MalformedXml, OfdError, UnsafeContainer
from tests.ofd import writer


def test_a_three_page_document_opens_with_its_pages_in_order():
    package = ofd_package.open_ofd(writer.build_ofd(pages=3))
    (document,) = package.documents
    assert document.root_path == "/Doc_0/Document.xml"
    assert [page.path for page in document.pages] == [f"/Doc_0/Pages/Page_{i}/Content.xml" for i in range(3)]
    assert [page.id for page in document.pages] == ["10", "11", "12"]
    assert document.pages[0].box == ofd_package.Box(0, 0, 210, 297)
    assert document.signatures == [] and document.signatures_path is None
    assert package.deviations == []


def test_the_namespace_without_2016_is_read_and_reported_as_a_deviation():
    package = ofd_package.open_ofd(writer.build_ofd(pages=2, namespace="http://www.ofdspec.org"))
    assert len(package.documents[0].pages) == 2
    assert package.deviations and "http://www.ofdspec.org" in package.deviations[0]


def test_a_page_with_its_own_area_and_locations_written_in_every_style_are_read():
    files = dict(writer.entries(pages=3))
    files["Doc_0/Document.xml"] = writer.document_xml(
        3,
        page_locations=[
            "/Doc_0/Pages/Page_0/Content.xml",  # absolute
            "Doc_0/Pages/Page_1/Content.xml",  # relative to the root (a deviation)
            "Pages/页 2/Content.xml",  # relative to Document.xml, Chinese and a space
        ],
    )
    files["Doc_0/Pages/页 2/Content.xml"] = writer.content_xml("横向", box="0 0 297 210")
    del files["Doc_0/Pages/Page_2/Content.xml"]
    package = ofd_package.open_ofd(writer.zip_bytes(list(files.items())))
    pages = package.documents[0].pages
    assert pages[2].path == "/Doc_0/Pages/页 2/Content.xml"
    assert pages[2].box.width == 297 and pages[0].box.width == 210


def test_is_ofd_tells_an_ofd_from_a_pdf_and_other_zips_by_content():
    assert ofd_package.is_ofd(writer.build_ofd())
    assert not ofd_package.is_ofd(b"%PDF-1.7\n")
    assert not ofd_package.is_ofd(writer.zip_bytes([("word/document.xml", b"<a/>")]))


def _refused(data: bytes, error=OfdError, limits: Limits | None = None) -> OfdError:
    with pytest.raises(error) as caught:
        ofd_package.open_ofd(data, limits or Limits())
    assert str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    "name", ["../evil.xml", "/etc/cron.d/evil", "Doc_0\\..\\..\\evil", "C:/evil", "Doc_0/../../evil", "a//b", "x\x01y"]
)
def test_entry_names_that_could_leave_the_package_are_refused(name):
    error = _refused(writer.zip_bytes([*writer.entries(), (name, b"x")]), UnsafeContainer)
    assert error.code == "unsafe_path"


def test_duplicate_entries_are_refused_also_when_only_case_differs():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is told to write
        twice = writer.zip_bytes([*writer.entries(), ("Doc_0/Document.xml", writer.document_xml(2))])
    assert _refused(twice, UnsafeContainer).code == "duplicate_entry"
    folded = writer.zip_bytes([*writer.entries(), ("doc_0/document.xml", b"<a/>")])
    assert _refused(folded, UnsafeContainer).code == "duplicate_entry"


def test_zip_bombs_are_refused_by_ratio_and_by_total_before_inflating():
    bomb = writer.zip_bytes([*writer.entries(), ("Doc_0/Res/zeros.bin", b"\0" * (4 * 1024 * 1024))])
    assert len(bomb) < 64 * 1024
    assert _refused(bomb, UnsafeContainer).code == "zip_bomb"
    stored = writer.zip_bytes([*writer.entries(), ("Doc_0/Res/a.bin", b"x" * 300_000)], zipfile.ZIP_STORED)
    small = Limits(max_total_bytes=200_000)
    assert _refused(stored, UnsafeContainer, small).code == "zip_bomb"


def test_an_entry_inflating_beyond_its_declared_size_is_refused():
    data = bytearray(writer.zip_bytes(writer.entries(), zipfile.ZIP_STORED))
    # Lower the size the central directory declares for OFD.xml: the data no longer fits.
    central = data.rfind(b"PK\x01\x02", 0, data.find(b"OFD.xml", data.find(b"PK\x01\x02")) + 1)
    declared = int.from_bytes(data[central + 24 : central + 28], "little")
    data[central + 24 : central + 28] = (declared - 10).to_bytes(4, "little")
    assert _refused(bytes(data), UnsafeContainer).code == "broken_zip"


def test_files_and_pages_beyond_the_limits_are_refused():
    assert _refused(writer.build_ofd(pages=5), limits=Limits(max_pages=4)).code == "too_many_pages"
    assert _refused(writer.build_ofd(), UnsafeContainer, Limits(max_file_bytes=100)).code == "too_large"
    files = dict(writer.entries())
    files["Doc_0/Pages/Page_0/Content.xml"] = writer.content_xml("巨大", box="0 0 210 900000")
    assert _refused(writer.zip_bytes(list(files.items())), MalformedStructure).code == "page_too_large"


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b"<lolz>&lol3;</lolz>"
)
XXE = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><ofd:OFD xmlns:ofd="x">&x;</ofd:OFD>'


@pytest.mark.parametrize("part", ["OFD.xml", "Doc_0/PublicRes.xml", "Doc_0/Annots/unreferenced.xml"])
@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE], ids=["billion_laughs", "xxe"])
def test_entities_and_external_references_are_refused_in_every_xml_part(part, payload):
    data = writer.replace_entry(writer.build_ofd(), part, payload)
    assert _refused(data, MalformedXml).code == "xml_entities"


@pytest.mark.parametrize(
    ("part", "content", "code"),
    [
        ("Doc_0/Document.xml", b"<ofd:Document xmlns:ofd='x'><unclosed>", "malformed_xml"),
        ("OFD.xml", b"<Other/>", "no_entry_point"),
        ("OFD.xml", b"<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>", "no_document"),
        ("OFD.xml", writer.ofd_xml(doc_root="Doc_0/Missing.xml"), "missing_file"),
        ("OFD.xml", writer.ofd_xml(doc_root="../../etc/passwd"), "bad_location"),
        ("Doc_0/Document.xml", writer.document_xml(1, page_locations=["Pages/None/Content.xml"]), "missing_file"),
    ],
)
def test_structure_errors_are_clear_typed_errors(part, content, code):
    assert _refused(writer.replace_entry(writer.build_ofd(), part, content)).code == code


def test_a_package_without_ofd_xml_and_random_bytes_are_refused():
    assert _refused(writer.zip_bytes(writer.entries()[1:]), MalformedStructure).code == "no_entry_point"
    assert _refused(b"PK\x03\x04" + b"\x00" * 100, UnsafeContainer).code == "broken_zip"
    assert _refused(b"hello", UnsafeContainer).code == "not_zip"


def test_locations_that_step_up_out_of_the_document_folder_and_back_are_read():
    # The GB/T 33190 conformance sample "6.2.003 使用相对路径": `../Doc_0/...` from /Doc_0.
    files = dict(writer.entries(pages=2))
    files["Doc_0/Document.xml"] = writer.document_xml(
        2, page_locations=["./Pages/Page_0/Content.xml", "../Doc_0/Pages/Page_1/Content.xml"]
    )
    files["OFD.xml"] = writer.ofd_xml(doc_root="./Doc_0/Document.xml")
    package = ofd_package.open_ofd(writer.zip_bytes(list(files.items())))
    assert [page.path for page in package.documents[0].pages] == [
        "/Doc_0/Pages/Page_0/Content.xml",
        "/Doc_0/Pages/Page_1/Content.xml",
    ]
    files["Doc_0/Document.xml"] = writer.document_xml(1, page_locations=["../../Pages/Page_0/Content.xml"])
    assert _refused(writer.zip_bytes(list(files.items())), MalformedStructure).code == "bad_location"


def test_a_signature_list_named_but_absent_opens_unsigned_and_says_so():
    files = dict(writer.entries(pages=1))
    files["OFD.xml"] = writer.ofd_xml(signatures="/Doc_0/Signs/Signatures.xml")
    package = ofd_package.open_ofd(writer.zip_bytes(list(files.items())))
    assert package.documents[0].signatures == [] and package.documents[0].signatures_path is None
    assert package.deviations == ["the signature list '/Doc_0/Signs/Signatures.xml' is named but missing"]


def test_doc_root_written_as_an_attribute_is_read():
    files = dict(writer.entries(pages=1))
    files["OFD.xml"] = (
        writer.ofd_xml()
        .replace(b"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>", b"")
        .replace(b"<ofd:DocBody>", b'<ofd:DocBody DocRoot="Doc_0/Document.xml">')
    )
    package = ofd_package.open_ofd(writer.zip_bytes(list(files.items())))
    assert package.documents[0].root_path == "/Doc_0/Document.xml"
