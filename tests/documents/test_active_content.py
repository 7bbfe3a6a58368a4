"""Active content (documents/pdf/active_content.py): every kind a reader runs or opens is
found, whether it sits in the catalog, a page, an annotation, a form field or behind a
harmless-looking action's /Next; removing it keeps the pages, their look and web links."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from documents.pdf.active_content import active_content_find, active_content_remove
from tests.documents.pdfs import make_pdf


def _writer() -> PdfWriter:
    return PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(2))))


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(kind: str, **entries) -> DictionaryObject:
    action = DictionaryObject({NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = value
    return action


def _annotation(writer: PdfWriter, subtype: str, page: int = 1, **entries) -> DictionaryObject:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject(subtype),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (72, 72, 200, 100)]),
        }
    )
    for key, value in entries.items():
        annotation[NameObject(f"/{key}")] = value
    target = writer.pages[page]
    if "/Annots" not in target:
        target[NameObject("/Annots")] = ArrayObject()
    target["/Annots"].append(writer._add_object(annotation))
    return annotation


def document_javascript():
    writer = _writer()
    writer.add_js("app.alert('hi');")
    return _bytes(writer)


def open_action_launch():
    writer = _writer()
    writer.root_object[NameObject("/OpenAction")] = _action("/Launch", F=TextStringObject("calc.exe"))
    return _bytes(writer)


def embedded_file():
    writer = _writer()
    writer.add_attachment("invoice.exe", b"MZ...")
    return _bytes(writer)


def link_running_javascript():
    writer = _writer()
    _annotation(writer, "/Link", A=_action("/JavaScript", JS=TextStringObject("this.submitForm('x')")))
    return _bytes(writer)


def javascript_behind_a_goto():
    # A page jump that chains to JavaScript through /Next.
    writer = _writer()
    chained = _action("/GoTo", D=ArrayObject([NumberObject(0), NameObject("/Fit")]))
    chained[NameObject("/Next")] = ArrayObject([_action("/JavaScript", JS=TextStringObject("1"))])
    _annotation(writer, "/Link", A=chained)
    return _bytes(writer)


def open_action_jump_then_script():
    writer = _writer()
    jump = _action("/GoTo", D=ArrayObject([NumberObject(0), NameObject("/Fit")]))
    jump[NameObject("/Next")] = _action("/JavaScript", JS=TextStringObject("1"))
    writer.root_object[NameObject("/OpenAction")] = jump
    return _bytes(writer)


def page_open_action():
    writer = _writer()
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action("/SubmitForm")})
    return _bytes(writer)


def field_calculation_script():
    writer = _writer()
    field = DictionaryObject(
        {
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject("total"),
            NameObject("/AA"): DictionaryObject({NameObject("/C"): _action("/JavaScript", JS=TextStringObject("1"))}),
        }
    )
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([writer._add_object(field)])}
    )
    return _bytes(writer)


def xfa_form():
    writer = _writer()
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): TextStringObject("<xdp/>")}
    )
    return _bytes(writer)


def rich_media():
    writer = _writer()
    _annotation(writer, "/RichMedia")
    return _bytes(writer)


def file_attachment_annotation():
    writer = _writer()
    _annotation(writer, "/FileAttachment", Contents=TextStringObject("see attached"))
    return _bytes(writer)


def action_loop():
    # /Next pointing back at itself must not hang the check.
    writer = _writer()
    looping = _action("/JavaScript", JS=TextStringObject("1"))
    reference = writer._add_object(looping)
    looping[NameObject("/Next")] = reference
    _annotation(writer, "/Link", A=reference)
    return _bytes(writer)


CASES = {
    "javascript": [
        document_javascript,
        link_running_javascript,
        javascript_behind_a_goto,
        open_action_jump_then_script,
        field_calculation_script,
        action_loop,
    ],
    "launch": [open_action_launch],
    "embedded_file": [embedded_file, file_attachment_annotation],
    "submit_form": [page_open_action],
    "xfa_form": [xfa_form],
    "multimedia": [rich_media],
}
ALL = [(kind, build) for kind, builds in CASES.items() for build in builds]


@pytest.mark.parametrize(("kind", "build"), ALL, ids=[build.__name__ for _kind, build in ALL])
def test_each_kind_is_found_and_removed(kind, build):
    data = build()
    assert kind in active_content_find(data).kinds
    cleaned = active_content_remove(data)
    assert active_content_find(cleaned).kinds == []
    reader = PdfReader(io.BytesIO(cleaned))
    assert len(reader.pages) == 2
    assert "Contract - page 2" in reader.pages[1].extract_text()


def test_an_ordinary_contract_has_none():
    assert active_content_find(make_pdf(3)).found is False


def test_web_links_are_counted_and_kept():
    writer = _writer()
    _annotation(writer, "/Link", A=_action("/URI", URI=TextStringObject("https://example.com/terms")))
    writer.add_js("app.alert(1)")
    data = _bytes(writer)
    found = active_content_find(data)
    assert found.kinds == ["javascript"] and found.web_links == 1
    cleaned = active_content_find(active_content_remove(data))
    assert cleaned.kinds == [] and cleaned.web_links == 1


def test_a_page_jump_on_open_is_harmless_and_kept():
    writer = _writer()
    writer.root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[1].indirect_reference, NameObject("/Fit")]
    )
    data = _bytes(writer)
    assert active_content_find(data).found is False
    assert "/OpenAction" in PdfReader(io.BytesIO(active_content_remove(data))).trailer["/Root"]


def _rendered(data: bytes) -> list[bytes]:
    document = pypdfium2.PdfDocument(data)
    try:
        return [document[index].render(scale=0.5).to_pil().tobytes() for index in range(len(document))]
    finally:
        document.close()


def test_removal_keeps_what_the_pages_look_like():
    data = link_running_javascript()
    assert _rendered(active_content_remove(data)) == _rendered(data)


def test_form_values_survive_removal():
    writer = _writer()
    field = DictionaryObject(
        {
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject("buyer"),
            NameObject("/V"): TextStringObject("Acme Ltd"),
            NameObject("/AA"): DictionaryObject({NameObject("/K"): _action("/JavaScript", JS=TextStringObject("1"))}),
        }
    )
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject([writer._add_object(field)]),
            NameObject("/NeedAppearances"): BooleanObject(True),
        }
    )
    cleaned = PdfReader(io.BytesIO(active_content_remove(_bytes(writer))))
    assert cleaned.get_fields()["buyer"]["/V"] == "Acme Ltd"
    assert cleaned.trailer["/Root"]["/AcroForm"]["/NeedAppearances"] == True  # noqa: E712 (a pypdf BooleanObject)
