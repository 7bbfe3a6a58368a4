"""OFD pages drawn as PDF (sealcore/ofd/render.py): a company must recognise its invoice.
Checked on the public e-invoice sample and on files written by the tests' own writer, by
reading the text and the pixels pdfium produces."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pypdfium2
import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from PIL import Image

from documents.pdf.keyword import find_text, find_text_ofd
from documents.pdf.ofd import ofd_placements
from sealcore.ofd import render
from sealcore.ofd.errors import OfdError
from tests.ofd import writer

SAMPLES = Path(__file__).resolve().parent / "samples"
MM = 72 / 25.4


def _text(pdf: bytes, page: int = 0) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        textpage = document[page].get_textpage()
        return textpage.get_text_bounded()
    finally:
        document.close()


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def _reddish(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    return sum(1 for r, g, b in image.crop(box).get_flattened_data() if r > 180 and g < 120 and b < 120)


def test_the_tax_bureau_invoice_is_recognisable():
    data = (SAMPLES / "ofdrw-v4signed.ofd").read_bytes()
    rendered = render.ofd_to_pdf(data)
    text = _text(rendered.pdf).replace("\r", "").replace("\n", "")
    for expected in ("科游迈利有限公司", "杭州融易算企业管理咨询有限公司", "9150010807MGZHI002", "餐饮服务", "¥318.00"):
        assert expected in text
    assert rendered.skipped == []
    ((index, images),) = render.render_pages_png_list(data, widths=(900,), pages=[0])
    image = _image(images[900])
    assert index == 0 and image.size[0] == 900 and round(image.size[1] / image.size[0], 2) == round(140 / 210, 2)
    scale = 900 / 210
    # The tax bureau's seal (a nested OFD picture in the signature) at its stamp annotation.
    stamp = tuple(round(v * scale) for v in (90, 8, 120, 28))
    assert _reddish(image, stamp) > 500
    # The QR code (a PNG image resource) top left: dark and light modules.
    qr = image.crop(tuple(round(v * scale) for v in (5, 3, 28, 23))).convert("L")
    dark = sum(1 for value in qr.get_flattened_data() if value < 80)
    assert 0.2 < dark / (qr.size[0] * qr.size[1]) < 0.8
    # The template's brown ruling lines.
    assert any(r > 120 and 60 < g < 110 and b < 60 for r, g, b in image.crop((0, 120, 900, 135)).get_flattened_data())


def test_a_cross_page_seal_by_another_producer_shows_its_slice_on_each_page():
    data = (SAMPLES / "ofdrw-V4RideRight.ofd").read_bytes()
    for index, images in render.render_pages_png_list(data, widths=(420,), pages=[0, 4]):
        image = _image(images[420])
        right_edge = (image.size[0] - 15, 0, image.size[0], image.size[1])
        assert _reddish(image, right_edge) > 50, index


def test_text_is_found_where_it_is_drawn_in_cjk_with_the_system_font():
    data = writer.build_ofd(pages=2)
    hits = find_text_ofd(data, "发票内容")
    assert [hit.page for hit in hits] == [0, 1]
    # Boundary 20 20 170 10, baseline at Y=5 on an A4 page, after "第2页 " in 5 mm characters.
    assert (20 + 10) * MM < hits[1].left < (20 + 16) * MM
    assert abs(hits[1].bottom - (297 - 25) * MM) < 3 * MM
    assert find_text_ofd(data, "不存在") == []


def test_paths_images_clips_and_ctm_are_drawn():
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>'
        # a filled blue square, clipped to its left half
        b'<ofd:PathObject Boundary="10 10 40 40" Fill="true" Stroke="false">'
        b'<ofd:FillColor Value="0 0 255"/>'
        b'<ofd:Clips><ofd:Clip><ofd:Area><ofd:Path Boundary="0 0 40 40">'
        b"<ofd:AbbreviatedData>M 0 0 L 20 0 L 20 40 L 0 40 C</ofd:AbbreviatedData>"
        b"</ofd:Path></ofd:Area></ofd:Clip></ofd:Clips>"
        b"<ofd:AbbreviatedData>M 0 0 L 40 0 L 40 40 L 0 40 C</ofd:AbbreviatedData></ofd:PathObject>"
        # a green disc from two arcs, moved by its CTM
        b'<ofd:PathObject Boundary="0 0 200 200" Fill="true" Stroke="false" CTM="1 0 0 1 100 20">'
        b'<ofd:FillColor Value="0 200 0"/>'
        b"<ofd:AbbreviatedData>M 0 10 A 10 10 0 1 1 20 10 A 10 10 0 1 1 0 10 C</ofd:AbbreviatedData></ofd:PathObject>"
        # an image scaled into 30 x 15 mm
        b'<ofd:ImageObject Boundary="10 100 30 15" ResourceID="9" CTM="30 0 0 15 0 0"/>'
        b"</ofd:Layer></ofd:Content></ofd:Page>"
    )
    image = Image.new("RGB", (60, 30), (255, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    res = (
        b'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="http://www.ofdspec.org/2016" BaseLoc="Res">'
        b'<ofd:MultiMedias><ofd:MultiMedia ID="9" Type="Image" Format="PNG"><ofd:MediaFile>red.png</ofd:MediaFile>'
        b"</ofd:MultiMedia></ofd:MultiMedias></ofd:Res>"
    )
    entries = dict(writer.entries(pages=1))
    entries["Doc_0/Pages/Page_0/Content.xml"] = content
    entries["Doc_0/PublicRes.xml"] = res
    entries["Doc_0/Res/red.png"] = buffer.getvalue()
    data = writer.zip_bytes(list(entries.items()))
    png = render.render_page_png(data, 0, width_px=210)  # 1 px per mm
    page = _image(png)
    assert page.getpixel((15, 30)) == (0, 0, 255)  # inside the clip
    assert page.getpixel((45, 30)) == (255, 255, 255)  # clipped away
    assert page.getpixel((110, 30))[1] > 150 and page.getpixel((110, 30))[0] < 60  # the disc's centre
    assert page.getpixel((25, 107))[0] > 200 and page.getpixel((25, 107))[1] < 60  # the image
    assert page.getpixel((45, 107)) == (255, 255, 255)


def test_hostile_content_is_skipped_or_refused_never_a_crash():
    # An image that claims 100 000 × 100 000 pixels in a few bytes: its header is read, nothing decoded.
    header = Image.new("1", (1, 1))
    buffer = io.BytesIO()
    header.save(buffer, format="PNG")
    png = bytearray(buffer.getvalue())
    png[16:24] = (100_000).to_bytes(4, "big") * 2
    png[29:33] = zlib.crc32(bytes(png[12:29])).to_bytes(4, "big")
    content = writer.content_xml("x").replace(
        b"</ofd:Layer>",
        b'<ofd:ImageObject Boundary="0 0 10 10" ResourceID="9" CTM="10 0 0 10 0 0"/>'
        b'<ofd:PathObject Boundary="0 0 10 10"><ofd:AbbreviatedData>M 0 0 Z 9 L</ofd:AbbreviatedData></ofd:PathObject>'
        b"</ofd:Layer>",
    )
    res = (
        b'<?xml version="1.0"?><ofd:Res xmlns:ofd="http://www.ofdspec.org/2016" BaseLoc="Res"><ofd:MultiMedias>'
        b'<ofd:MultiMedia ID="9" Format="PNG"><ofd:MediaFile>big.png</ofd:MediaFile></ofd:MultiMedia>'
        b"</ofd:MultiMedias></ofd:Res>"
    )
    entries = dict(writer.entries(pages=1))
    entries.update(
        {"Doc_0/Pages/Page_0/Content.xml": content, "Doc_0/PublicRes.xml": res, "Doc_0/Res/big.png": bytes(png)}
    )
    rendered = render.ofd_to_pdf(writer.zip_bytes(list(entries.items())))
    assert "an image larger than allowed" in rendered.skipped
    assert any("PathObject" in item for item in rendered.skipped)
    with pytest.raises(OfdError):
        render.ofd_to_pdf(b"PK\x03\x04 not a zip")
    assert render.viewing_pdf_or_none(b"PK\x03\x04 not a zip", note="x", title="x") is None


def test_the_viewing_copy_says_so_on_every_page_and_in_the_file():
    note = "Viewing copy only: the signed document is the OFD file"
    pdf = render.viewing_pdf_or_none(writer.build_ofd(pages=2), note=note, title="发票")
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert document.get_metadata_dict()["Subject"] == note
    finally:
        document.close()
    assert all(note in _text(pdf, page).replace("\r\n", "") for page in (0, 1))
    assert find_text(pdf, "发票内容")


def _square_font() -> bytes:
    """A TrueType font whose only glyph, "A", is a filled square (a producer's subset font)."""
    pen = TTGlyphPen(None)
    pen.moveTo((0, 0))
    pen.lineTo((0, 1000))
    pen.lineTo((1000, 1000))
    pen.lineTo((1000, 0))
    pen.closePath()
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "A"])
    builder.setupCharacterMap({ord("A"): "A"})
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "A": pen.glyph()})
    builder.setupHorizontalMetrics({".notdef": (1000, 0), "A": (1000, 0)})
    builder.setupHorizontalHeader(ascent=1000, descent=0)
    builder.setupNameTable({"familyName": "Square", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    buffer = io.BytesIO()
    builder.save(buffer)
    return buffer.getvalue()


def test_an_embedded_font_draws_its_glyphs_and_the_system_font_the_ones_it_lacks():
    res = (
        b'<?xml version="1.0"?><ofd:Res xmlns:ofd="http://www.ofdspec.org/2016" BaseLoc="Res"><ofd:Fonts>'
        b'<ofd:Font ID="1" FontName="Square"><ofd:FontFile>square.ttf</ofd:FontFile></ofd:Font>'
        b"</ofd:Fonts></ofd:Res>"
    )
    content = (
        b'<?xml version="1.0"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>'
        b'<ofd:TextObject Boundary="10 10 100 30" Font="1" Size="20">'
        b'<ofd:TextCode X="0" Y="20" DeltaX="30">A\xe4\xb8\xad</ofd:TextCode></ofd:TextObject>'
        b"</ofd:Layer></ofd:Content></ofd:Page>"
    )
    entries = dict(writer.entries(pages=1))
    entries["Doc_0/Pages/Page_0/Content.xml"] = content
    entries["Doc_0/PublicRes.xml"] = res
    entries["Doc_0/Res/square.ttf"] = _square_font()
    data = writer.zip_bytes(list(entries.items()))
    rendered = render.ofd_to_pdf(data)
    assert rendered.skipped == []
    page = _image(render.render_page_png(data, 0, width_px=210))  # 1 px per mm
    # "A" is a 20 mm black square standing on the baseline at y = 30 mm.
    assert page.getpixel((20, 20)) == (0, 0, 0)
    assert page.getpixel((20, 35)) == (255, 255, 255)
    # "中" is not in the subset: drawn by the system CJK font 30 mm further right.
    assert "中" in _text(rendered.pdf)
    ink = page.crop((40, 10, 62, 32)).convert("L")
    assert any(value < 128 for value in ink.get_flattened_data())


def test_placements_flush_with_the_page_edges_stay_on_the_page():
    page = {"left": 0.0, "bottom": 0.0, "right": 210 * MM, "top": 297 * MM}
    # 81.18 pt: the right edge would land 0.001 mm off the page after rounding to millimetres.
    (placement,), cross = ofd_placements(
        [{"page": 0, "x": 210 * MM - 81.18, "y": 0.0, "width": 81.18, "height": 81.18, "kind": "single"}], [page]
    )
    assert cross is None
    box = placement.box
    assert box.x + box.width <= 210 and box.y + box.height <= 297 and box.x >= 0
    assert abs(box.y - (297 - 81.18 / MM)) < 0.01


def _page_with(content_objects: bytes, res: bytes = b"", extra: dict | None = None) -> bytes:
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>'
        + content_objects
        + b"</ofd:Layer></ofd:Content></ofd:Page>"
    )
    entries = dict(writer.entries(pages=1))
    entries["Doc_0/Pages/Page_0/Content.xml"] = content
    if res:
        entries["Doc_0/PublicRes.xml"] = (
            b'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="http://www.ofdspec.org/2016" BaseLoc="Res">'
            + res
            + b"</ofd:Res>"
        )
    entries.update(extra or {})
    return writer.zip_bytes(list(entries.items()))


def test_the_qr_code_of_an_invoice_stored_as_jbig2_is_drawn():
    data = (SAMPLES / "easyofd-vat-special-invoice.ofd").read_bytes()
    rendered = render.ofd_to_pdf(data)
    assert rendered.skipped == []
    image = _image(render.render_page_png(data, 0, width_px=210 * 4)).convert("L")
    qr = image.crop((4 * 4, 2 * 4, 4 * 26, 4 * 24))  # 4 px per mm; the QR code sits top left
    values = list(qr.get_flattened_data())
    dark, light = sum(1 for v in values if v < 80), sum(1 for v in values if v > 200)
    assert dark > len(values) * 0.25 and light > len(values) * 0.25
    # The tax bureau's seal is an OFD picture: transparent around its ink, so the title under it shows.
    text = _text(rendered.pdf).replace("\r", "").replace("\n", "")
    assert "贵州增值税电子专用发票" in text
    title = image.crop((4 * 100, 4 * 4, 4 * 110, 4 * 12))  # between the seal's rim and centre
    assert sum(1 for v in title.get_flattened_data() if v > 240) > 40


def test_an_image_that_cannot_be_read_leaves_a_marked_box_not_a_gap():
    data = _page_with(
        b'<ofd:ImageObject Boundary="10 10 40 20" ResourceID="9" CTM="40 0 0 20 0 0"/>'
        b'<ofd:ImageObject Boundary="10 50 40 20" ResourceID="404" CTM="40 0 0 20 0 0"/>',
        b'<ofd:MultiMedias><ofd:MultiMedia ID="9" Type="Image" Format="JB2"><ofd:MediaFile>broken.jb2</ofd:MediaFile>'
        b"</ofd:MultiMedia></ofd:MultiMedias>",
        {"Doc_0/Res/broken.jb2": b"\x97JB2\r\n\x1a\n\x01\x00\x00\x00\x01\x00\x00"},
    )
    rendered = render.ofd_to_pdf(data)
    assert rendered.skipped == ["an image"]
    page = _image(render.render_page_png(data, 0, width_px=210))
    for top in (10, 50):
        assert page.getpixel((30, top + 3))[0] in range(225, 245)  # the grey box, off its cross
    assert page.getpixel((60, 20)) == (255, 255, 255)


def test_composite_objects_and_shadings_are_drawn():
    data = _page_with(
        # a composite unit (a red square 10 x 10 in its own units) placed twice its size
        b'<ofd:CompositeObject Boundary="10 10 20 20" ResourceID="7" CTM="2 0 0 2 0 0"/>'
        # an axial shading from white (left) to blue (right) filling a rectangle
        b'<ofd:PathObject Boundary="50 10 100 20" Fill="true" Stroke="false"><ofd:FillColor>'
        b'<ofd:AxialShd StartPoint="0 0" EndPoint="100 0" Extend="3">'
        b'<ofd:Segment Position="0"><ofd:Color Value="255 255 255"/></ofd:Segment>'
        b'<ofd:Segment Position="1"><ofd:Color Value="0 0 255"/></ofd:Segment></ofd:AxialShd></ofd:FillColor>'
        b"<ofd:AbbreviatedData>M 0 0 L 100 0 L 100 20 L 0 20 C</ofd:AbbreviatedData></ofd:PathObject>"
        # a tiling pattern is not drawn at all rather than black
        b'<ofd:PathObject Boundary="10 50 40 40" Fill="true" Stroke="false"><ofd:FillColor><ofd:Pattern/>'
        b"</ofd:FillColor><ofd:AbbreviatedData>M 0 0 L 40 0 L 40 40 L 0 40 C</ofd:AbbreviatedData></ofd:PathObject>",
        b'<ofd:CompositeGraphicUnits><ofd:CompositeGraphicUnit ID="7" Width="10" Height="10"><ofd:Content>'
        b'<ofd:PathObject Boundary="0 0 10 10" Fill="true" Stroke="false"><ofd:FillColor Value="255 0 0"/>'
        b"<ofd:AbbreviatedData>M 0 0 L 10 0 L 10 10 L 0 10 C</ofd:AbbreviatedData></ofd:PathObject>"
        b"</ofd:Content></ofd:CompositeGraphicUnit></ofd:CompositeGraphicUnits>",
    )
    rendered = render.ofd_to_pdf(data)
    assert rendered.skipped == ["a pattern fill"]
    page = _image(render.render_page_png(data, 0, width_px=210))
    assert page.getpixel((25, 25)) == (255, 0, 0)  # inside the composite, scaled to 20 x 20
    assert page.getpixel((33, 25)) == (255, 255, 255)
    left, right = page.getpixel((53, 20)), page.getpixel((146, 20))
    assert left[0] > 200 and right[0] < 60 and right[2] > 200  # white towards blue
    assert page.getpixel((30, 70)) == (255, 255, 255)


def _glyph_index_font() -> bytes:
    """A subset font as e-invoice producers embed it: glyphs reached only by index (no cmap,
    post or name table, which reportlab needs), glyph 1 a 10 × 20 bar, glyph 2 a 20 × 10 bar."""
    tall, wide = TTGlyphPen(None), TTGlyphPen(None)
    for pen, (width, height) in ((tall, (500, 1000)), (wide, (1000, 500))):
        pen.moveTo((0, 0))
        pen.lineTo((0, height))
        pen.lineTo((width, height))
        pen.lineTo((width, 0))
        pen.closePath()
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "g1", "g2"])
    builder.setupCharacterMap({})
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "g1": tall.glyph(), "g2": wide.glyph()})
    builder.setupHorizontalMetrics({".notdef": (1000, 0), "g1": (1000, 0), "g2": (1000, 0)})
    builder.setupHorizontalHeader(ascent=1000, descent=0)
    builder.setupOS2()
    font = builder.font
    for table in ("cmap", "post", "name"):
        if table in font:
            del font[table]
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def test_a_subset_font_without_character_map_draws_the_glyphs_its_cgtransform_names():
    data = _page_with(
        b'<ofd:TextObject Boundary="10 10 100 30" Font="3" Size="20">'
        b'<ofd:CGTransform CodePosition="0" CodeCount="2" GlyphCount="2"><ofd:Glyphs>2 1</ofd:Glyphs></ofd:CGTransform>'
        b'<ofd:TextCode X="0" Y="20" DeltaX="30">\xe5\x8f\x91\xe7\xa5\xa8</ofd:TextCode></ofd:TextObject>',
        b'<ofd:Fonts><ofd:Font ID="3" FontName="E-BZ"><ofd:FontFile>subset.ttf</ofd:FontFile></ofd:Font></ofd:Fonts>',
        {"Doc_0/Res/subset.ttf": _glyph_index_font()},
    )
    rendered = render.ofd_to_pdf(data)
    assert rendered.skipped == []
    assert "发票" in _text(rendered.pdf).replace(" ", "")  # searchable although drawn as outlines
    page = _image(render.render_page_png(data, 0, width_px=210 * 2)).convert("L")  # 2 px per mm
    # "发" is glyph 2, a 20 × 10 mm bar on the baseline (y = 30 mm); "票" glyph 1, 10 × 20 mm, 30 mm on.
    assert page.getpixel((2 * 25, 2 * 25)) < 60 and page.getpixel((2 * 25, 2 * 15)) > 200
    assert page.getpixel((2 * 45, 2 * 15)) < 60 and page.getpixel((2 * 55, 2 * 25)) > 200


SUBSET_FONT_RES = (
    b'<ofd:Fonts><ofd:Font ID="3" FontName="E-BZ"><ofd:FontFile>subset.ttf</ofd:FontFile></ofd:Font></ofd:Fonts>'
)


def test_char_direction_turns_each_glyph_clockwise():
    def page_for(direction: int):
        data = _page_with(
            f'<ofd:TextObject Boundary="10 10 100 60" Font="3" Size="20" CharDirection="{direction}">'
            '<ofd:CGTransform CodePosition="0" CodeCount="1" GlyphCount="1"><ofd:Glyphs>1</ofd:Glyphs>'
            '</ofd:CGTransform><ofd:TextCode X="30" Y="30">竖</ofd:TextCode></ofd:TextObject>'.encode(),
            SUBSET_FONT_RES,
            {"Doc_0/Res/subset.ttf": _glyph_index_font()},
        )
        return _image(render.render_page_png(data, 0, width_px=210 * 2)).convert("L")

    # Glyph 1 is a bar 10 wide and 20 high standing on its origin (x 40, y 40 on the page).
    upright, turned = page_for(0), page_for(90)
    assert upright.getpixel((2 * 45, 2 * 25)) < 60 and upright.getpixel((2 * 55, 2 * 35)) > 200
    # Turned 90° clockwise its top points right and its width down: x 40 to 60, y 40 to 50.
    assert turned.getpixel((2 * 55, 2 * 45)) < 60 and turned.getpixel((2 * 45, 2 * 25)) > 200


def test_read_direction_lays_characters_out_downwards_without_deltas():
    data = _page_with(
        b'<ofd:TextObject Boundary="10 10 100 100" Font="3" Size="20" ReadDirection="90">'
        b'<ofd:CGTransform CodePosition="0" CodeCount="2" GlyphCount="2"><ofd:Glyphs>2 2</ofd:Glyphs>'
        b'</ofd:CGTransform><ofd:TextCode X="10" Y="20">\xe7\xab\x96\xe6\x8e\x92</ofd:TextCode></ofd:TextObject>',
        SUBSET_FONT_RES,
        {"Doc_0/Res/subset.ttf": _glyph_index_font()},
    )
    page = _image(render.render_page_png(data, 0, width_px=210 * 2)).convert("L")
    # Glyph 2 is a 20 × 10 bar on its baseline: the first at y 20-30, the second 20 mm lower.
    assert page.getpixel((2 * 30, 2 * 25)) < 60 and page.getpixel((2 * 30, 2 * 45)) < 60
    assert page.getpixel((2 * 50, 2 * 25)) > 200 and page.getpixel((2 * 30, 2 * 35)) > 200
