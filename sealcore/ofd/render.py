"""OFD pages drawn as PDF pages (reportlab), so that pdfium renders them like any PDF page:
page images for preview and placement, text search, and a PDF copy for viewing.

Chosen over easyofd (PyPI), tried on the public samples in tests/ofd/samples: it failed on
four of six (among them the tax bureau's e-invoice) and pulls in PyMuPDF (AGPL) and
onnxruntime. This converter draws what an invoice or an official document is made of:
templates, layers, page blocks and composite objects, text (embedded fonts where they hold
the glyph; subsets without a character map drawn as outlines by their CGTransform glyph
indices, with invisible text for search; else a CJK system font), paths (lines, Bézier
curves, arcs, fill rules, axial and radial shadings), images (PNG, JPEG, BMP, GIF, TIFF,
and JBIG2 passed to pdfium as it is), clipping areas, CTMs, draw parameters, annotations
and the stamp annotations of existing signatures with their seal pictures. What it cannot
draw (tiling patterns, images it cannot read, which leave a marked box) is listed in
`Rendered.skipped`.

Page coordinates are millimetres from the top-left corner; the PDF page has the size of the
OFD page (PhysicalBox) in points, so a point on the PDF page is a point on the OFD page.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pypdfium2
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont as FontToolsFont
from PIL import Image
from reportlab.lib.colors import Color
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdf_canvas

from sealcore import national_format
from sealcore.ofd import container as zipped
from sealcore.ofd import jbig2, xml
from sealcore.ofd.container import DEFAULT_LIMITS, Limits
from sealcore.ofd.errors import OfdError
from sealcore.ofd.package import Box, Document, OfdPackage, open_ofd, parse_box, parse_signature_file
from sealcore.pdfium import PDFIUM_LOCK, bitmap_png

MM = 72 / 25.4
SYSTEM_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
STANDARD_FONTS = {
    "courier": "Courier",
    "courier new": "Courier",
    "arial": "Helvetica",
    "helvetica": "Helvetica",
    "times new roman": "Times-Roman",
    "times": "Times-Roman",
}
MAX_OBJECTS_PER_PAGE = 100_000
MAX_PATH_TOKENS = 200_000
MAX_IMAGE_PIXELS = 40_000_000
MAX_NESTING = 32
PICTURE_TYPES = {"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff"}


@dataclass
class Rendered:
    pdf: bytes
    pages: list[int]  # the OFD page index of each PDF page
    skipped: list[str] = field(default_factory=list)  # what could not be drawn, once per kind


# ---------------------------------------------------------------------------- fonts


_CJK_FONT_NAME: str | None = None
_FONT_NUMBERS = itertools.count(1)


def _cjk_font() -> str:
    """A font that holds CJK glyphs: a system TrueType collection (embedded as a subset), or
    else the Adobe CID font every PDF viewer substitutes."""
    global _CJK_FONT_NAME  # noqa: PLW0603 - registered once per process, like reportlab's own registry
    if _CJK_FONT_NAME is None:
        for path in SYSTEM_CJK_FONTS:
            try:
                pdfmetrics.registerFont(TTFont("OfdCjk", path, subfontIndex=0))
            except Exception:  # noqa: BLE001, S112 - any unreadable font file: try the next
                continue
            _CJK_FONT_NAME = "OfdCjk"
            break
        else:
            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
            _CJK_FONT_NAME = "STSong-Light"
    return _CJK_FONT_NAME


@dataclass
class _Font:
    name: str  # the reportlab font to use where it has the glyph
    glyphs: set[int] | None  # code points the embedded font holds; None: a standard font (Latin-1)
    # The embedded font read by fontTools, to draw glyphs as outlines: by the glyph indices of
    # a CGTransform, or by its own cmap where reportlab cannot embed it (no `post` or `name`
    # table, CFF outlines). Many producers embed subsets that have no cmap at all.
    outlines: object | None = None

    def outline_glyphs(self, char: str, mapped: list[int] | None) -> list[int]:
        if self.outlines is None:
            return []
        if mapped is not None:
            return mapped
        if self.name != _cjk_font() and ord(char) in (self.glyphs or ()):
            return []  # reportlab draws it, as text
        cmap = _outline_cmap(self.outlines)
        order = self.outlines.getGlyphOrder()
        name = cmap.get(ord(char))
        return [order.index(name)] if name in order else []

    def for_char(self, char: str) -> str:
        if self.glyphs is None:
            return self.name if ord(char) < 256 else _cjk_font()
        return self.name if ord(char) in self.glyphs else _cjk_font()


# ---------------------------------------------------------------------------- resources


@dataclass
class _Resources:
    elements: dict[str, tuple[object, str]] = field(default_factory=dict)  # ID -> (element, base dir)
    fonts: dict[str, _Font] = field(default_factory=dict)
    images: dict[str, object] = field(default_factory=dict)


class _Page:
    def __init__(self, renderer: _Renderer, canvas, resources: _Resources):
        self.renderer = renderer
        self.canvas = canvas
        self.resources = resources
        self.objects = 0


class _Renderer:
    def __init__(self, package: OfdPackage, document: Document, limits: Limits):
        self.package = package
        self.document = document
        self.limits = limits
        self.skipped: list[str] = []
        root = self._xml(document.root_path)
        self.common = xml.child(root, "CommonData") if root is not None else None
        self.document_root = root
        self.resources = _Resources()
        base = zipped.parent(document.root_path)
        if self.common is not None:
            for name in ("PublicRes", "DocumentRes"):
                for element in xml.children(self.common, name):
                    self._load_resources(self.resources, base, element.text or "")
        self.templates = {}
        if self.common is not None:
            for element in xml.children(self.common, "TemplatePage"):
                path = self._locate(base, element.get("BaseLoc", ""))
                if path:
                    self.templates[(element.get("ID") or "").strip()] = path
        self.annotations = self._annotation_files(root, base)
        self.stamps = self._stamps()

    # -- reading the package

    def skip(self, what: str) -> None:
        if what not in self.skipped:
            self.skipped.append(what)

    def _locate(self, base: str, location: str) -> str | None:
        """Where a location points; also a case-insensitive match (producers write `TPLS/` for
        a folder stored as `Tpls/`)."""
        try:
            found = zipped.locate(self.package.container, base, location)
            if found is not None:
                return found
            wanted = {path.casefold() for path in zipped.candidates(base, location)}
        except OfdError:
            return None
        return next((path for path in self.package.files if path.casefold() in wanted), None)

    def _xml(self, path: str | None):
        if not path or path not in self.package.files:
            return None
        try:
            return xml.parse(self.package.files[path], path, max_bytes=self.limits.max_xml_bytes)
        except OfdError:
            self.skip(f"unreadable part {path}")
            return None

    def _load_resources(self, resources: _Resources, base: str, location: str) -> None:
        path = self._locate(base, location)
        root = self._xml(path)
        if root is None:
            return
        res_base = zipped.parent(path)
        if root.get("BaseLoc"):
            with contextlib.suppress(OfdError):
                res_base = zipped.join(res_base, root.get("BaseLoc"))
        for group in root:
            if not isinstance(group.tag, str):
                continue
            for element in group:
                if isinstance(element.tag, str) and element.get("ID"):
                    resources.elements[element.get("ID").strip()] = (element, res_base)

    def _annotation_files(self, root, base: str) -> dict[str, list[str]]:
        """Page ID -> the annotation files of that page."""
        found: dict[str, list[str]] = {}
        location = xml.text(root, "Annotations") if root is not None else ""
        path = self._locate(base, location) if location else None
        listing = self._xml(path)
        if listing is None:
            return found
        for page in xml.children(listing, "Page"):
            file_location = xml.text(page, "FileLoc")
            file_path = self._locate(zipped.parent(path), file_location) if file_location else None
            if file_path:
                found.setdefault((page.get("PageID") or "").strip(), []).append(file_path)
        return found

    def _stamps(self) -> dict[str, list[tuple[Box, Box | None, bytes, str]]]:
        """Page ID -> (boundary, clip, picture, picture type) of each existing signature's stamps."""
        stamps: dict[str, list] = {}
        for entry in self.document.signatures:
            if entry.path is None:
                continue
            try:
                signature = parse_signature_file(self.package, entry.path, self.limits)
            except OfdError:
                self.skip("an unreadable signature's stamp")
                continue
            if not signature.stamp_annots:
                continue
            picture = self._seal_picture(signature)
            if picture is None:
                self.skip("a seal picture")
                continue
            for annot in signature.stamp_annots:
                stamps.setdefault(annot.page_ref, []).append((annot.boundary, annot.clip, *picture))
        return stamps

    def _seal_picture(self, signature) -> tuple[bytes, str] | None:
        seal = None
        with contextlib.suppress(national_format.MalformedSealData, ValueError):
            if signature.signed_value_path:
                seal = national_format.parse_signature(self.package.files[signature.signed_value_path]).seal
        if seal is None and signature.seal_path:
            with contextlib.suppress(national_format.MalformedSealData, ValueError):
                seal = national_format.parse_seal(self.package.files[signature.seal_path])
        if seal is None or not seal.picture:
            return None
        return seal.picture, (seal.picture_type or "").strip().lower()

    def font(self, page: _Page, font_id: str) -> _Font:
        if font_id in page.resources.fonts:
            return page.resources.fonts[font_id]
        found = page.resources.elements.get(font_id) or self.resources.elements.get(font_id)
        font = _Font(name=_cjk_font(), glyphs=set())
        if found is not None:
            element, base = found
            font = self._font_from(element, base) or font
        page.resources.fonts[font_id] = font
        return font

    def _font_from(self, element, base: str) -> _Font | None:
        location = xml.text(element, "FontFile")
        if location:
            path = self._locate(base, location)
            if path:
                data = self.package.files[path]
                outlines = _outline_font(data)
                # reportlab registers fonts by name for the whole process: never reuse one.
                name = f"OfdFont{next(_FONT_NUMBERS)}"
                try:
                    font = TTFont(name, io.BytesIO(data))
                    pdfmetrics.registerFont(font)
                    return _Font(name=name, glyphs=set(font.face.charToGlyph), outlines=outlines)
                except Exception:  # noqa: BLE001 - CFF, no cmap/post/name, Type 1 or broken
                    if outlines is not None:
                        return _Font(name=_cjk_font(), glyphs=set(), outlines=outlines)
                    self.skip("an embedded font")
        names = [(element.get("FontName") or "").strip().lower(), (element.get("FamilyName") or "").strip().lower()]
        for name in names:
            if name in STANDARD_FONTS:
                return _Font(name=STANDARD_FONTS[name], glyphs=None)
        return None

    def image(self, page: _Page, resource_id: str):
        if resource_id in page.resources.images:
            return page.resources.images[resource_id]
        found = page.resources.elements.get(resource_id) or self.resources.elements.get(resource_id)
        image = None
        if found is not None:
            element, base = found
            location = xml.text(element, "MediaFile")
            path = self._locate(base, location) if location else None
            if path:
                image = _picture(self.package.files[path], (element.get("Format") or "").lower(), self)
        page.resources.images[resource_id] = image
        return image

    # -- drawing

    def draw_page(self, canvas, index: int) -> None:
        page_info = self.document.pages[index]
        box = page_info.box
        root = self._xml(page_info.path)
        resources = _Resources(elements=dict(self.resources.elements))
        page = _Page(self, canvas, resources)
        if root is not None:
            page_base = zipped.parent(page_info.path)
            for element in xml.children(root, "PageRes"):
                self._load_resources(resources, page_base, element.text or "")
        canvas.saveState()
        canvas.transform(MM, 0, 0, -MM, 0, box.height * MM)
        canvas.translate(-box.x, -box.y)
        templates = xml.children(root, "Template") if root is not None else []
        for template in templates:
            if (template.get("ZOrder") or "Background") == "Background":
                self._draw_template(page, template)
        if root is not None:
            content = xml.child(root, "Content")
            if content is not None:
                layers = xml.children(content, "Layer")
                order = {"Background": 0, "Body": 1, "Foreground": 2}
                for layer in sorted(layers, key=lambda layer: order.get(layer.get("Type") or "Body", 1)):
                    self._draw_block(page, layer, _State.from_draw_param(self, page, layer.get("DrawParam")), 0)
        for template in templates:
            if (template.get("ZOrder") or "Background") == "Foreground":
                self._draw_template(page, template)
        for path in self.annotations.get(page_info.id, []):
            self._draw_annotations(page, path)
        for boundary, clip, picture, kind in self.stamps.get(page_info.id, []):
            self._draw_stamp(canvas, boundary, clip, picture, kind)
        canvas.restoreState()

    def _draw_template(self, page: _Page, template) -> None:
        path = self.templates.get((template.get("TemplateID") or "").strip())
        root = self._xml(path)
        if root is None:
            return
        for element in xml.children(root, "PageRes"):
            self._load_resources(page.resources, zipped.parent(path), element.text or "")
        content = xml.child(root, "Content")
        if content is not None:
            for layer in xml.children(content, "Layer"):
                self._draw_block(page, layer, _State.from_draw_param(self, page, layer.get("DrawParam")), 0)

    def _draw_annotations(self, page: _Page, path: str) -> None:
        root = self._xml(path)
        if root is None:
            return
        for annot in xml.children(root, "Annot"):
            if (annot.get("Visible") or "true").lower() == "false":
                continue
            for appearance in xml.children(annot, "Appearance"):
                boundary = _box(appearance.get("Boundary"), self.limits)
                if boundary is None:
                    continue
                page.canvas.saveState()
                page.canvas.translate(boundary.x, boundary.y)
                self._draw_block(page, appearance, _State(), 0)
                page.canvas.restoreState()

    def _draw_stamp(self, canvas, boundary: Box, clip: Box | None, picture: bytes, kind: str) -> None:
        image = _picture(picture, kind, self)
        if image is None:
            self.skip("a seal picture")
            return
        canvas.saveState()
        canvas.translate(boundary.x, boundary.y)
        if clip is not None:
            path = canvas.beginPath()
            path.rect(clip.x, clip.y, clip.width, clip.height)
            canvas.clipPath(path, stroke=0, fill=0)
        canvas.translate(0, boundary.height)
        canvas.scale(boundary.width, -boundary.height)
        _draw_picture(canvas, image)
        canvas.restoreState()

    def _draw_block(self, page: _Page, block, state: _State, depth: int) -> None:
        if depth > MAX_NESTING:
            self.skip("deeply nested blocks")
            return
        for element in block:
            if not isinstance(element.tag, str):
                continue
            page.objects += 1
            if page.objects > MAX_OBJECTS_PER_PAGE:
                self.skip("objects beyond the limit of a page")
                return
            name = xml.local(element)
            try:
                if name == "PageBlock":
                    self._draw_block(page, element, state.with_param(self, page, element.get("DrawParam")), depth + 1)
                elif name == "TextObject":
                    self._object(page, element, state, self._draw_text)
                elif name == "PathObject":
                    self._object(page, element, state, self._draw_path)
                elif name == "ImageObject":
                    self._object(page, element, state, self._draw_image)
                elif name == "CompositeObject":
                    self._object(page, element, state, lambda p, e, s: self._draw_composite(p, e, s, depth + 1))
            except (ValueError, OfdError, OverflowError, ZeroDivisionError, KeyError, TypeError):
                self.skip(f"a {name} that could not be drawn")

    def _object(self, page: _Page, element, state: _State, draw) -> None:
        if (element.get("Visible") or "true").lower() == "false":
            return
        boundary = _box(element.get("Boundary"), self.limits, allow_empty=True)
        if boundary is None:
            return
        own = state.with_param(self, page, element.get("DrawParam"))
        canvas = page.canvas
        canvas.saveState()
        try:
            canvas.translate(boundary.x, boundary.y)
            self._clip(page, element, own)
            ctm = _numbers(element.get("CTM"), 6)
            if ctm is not None:
                canvas.transform(*ctm)
            alpha = element.get("Alpha")
            if alpha:
                with contextlib.suppress(ValueError):
                    canvas.setFillAlpha(max(0.0, min(1.0, float(alpha) / 255)))
                    canvas.setStrokeAlpha(max(0.0, min(1.0, float(alpha) / 255)))
            draw(page, element, own)
        finally:
            canvas.restoreState()

    def _clip(self, page: _Page, element, state: _State) -> None:
        clips = xml.child(element, "Clips")
        if clips is None:
            return
        for clip in xml.children(clips, "Clip"):
            for area in xml.children(clip, "Area"):
                target = xml.child(area, "Path")
                if target is None:
                    continue
                canvas = page.canvas
                # The area's own CTM applies to the clip path only: its points are transformed.
                path = canvas.beginPath()
                _path_commands(path, xml.text(target, "AbbreviatedData"), _numbers(area.get("CTM"), 6))
                rule = (target.get("Rule") or clip.get("Rule") or "NonZero").lower()
                canvas.clipPath(path, stroke=0, fill=0, fillMode=1 if rule == "even-odd" else 0)

    def _draw_path(self, page: _Page, element, state: _State) -> None:
        canvas = page.canvas
        data = xml.text(element, "AbbreviatedData")
        if not data:
            return
        stroke = (element.get("Stroke") or "true").lower() != "false"
        fill = (element.get("Fill") or "false").lower() == "true"
        if not (stroke or fill):
            return
        line_width = _float(element.get("LineWidth"), state.line_width)
        canvas.setLineWidth(max(line_width, 0.0))
        cap = {"Butt": 0, "Round": 1, "Square": 2}.get(element.get("Cap") or "", None)
        if cap is not None:
            canvas.setLineCap(cap)
        join = {"Miter": 0, "Round": 1, "Bevel": 2}.get(element.get("Join") or "", None)
        if join is not None:
            canvas.setLineJoin(join)
        dash = _numbers(element.get("DashPattern"), None)
        if dash and all(value >= 0 for value in dash) and any(dash):
            canvas.setDash(dash, _float(element.get("DashOffset"), 0.0))
        canvas.setStrokeColor(_color(self, page, xml.child(element, "StrokeColor"), state.stroke_color))
        fill_color = xml.child(element, "FillColor")
        canvas.setFillColor(_color(self, page, fill_color, state.fill_color))
        path = canvas.beginPath()
        _path_commands(path, data)
        even_odd = (element.get("Rule") or "NonZero").lower() == "even-odd"
        shading = _shading(fill_color) if fill else None
        if fill and shading is None and fill_color is not None and xml.child(fill_color, "Pattern") is not None:
            # A tiling pattern is not drawn: leaving the area empty hides less than black would.
            self.skip("a pattern fill")
            fill = False
            if not stroke:
                return
        if shading is not None:
            canvas.saveState()
            canvas.clipPath(path, stroke=0, fill=0, fillMode=1 if even_odd else 0)
            self._draw_shading(page, shading)
            canvas.restoreState()
            fill = False
            if not stroke:
                return
        canvas.drawPath(path, stroke=int(stroke), fill=int(fill), fillMode=1 if even_odd else 0)

    def _draw_shading(self, page: _Page, shading) -> None:
        """An axial or radial shading (GB/T 33190 §8.3.4) over the current clip. A radial one
        is drawn about its end circle (reportlab's radial gradients are concentric)."""
        segments = []
        for segment in xml.children(shading, "Segment"):
            color = _color(self, page, xml.child(segment, "Color"), None)
            if color is not None:
                segments.append((_float(segment.get("Position"), -1.0), color))
        if not segments:
            self.skip("a shading without colours")
            return
        if len(segments) == 1:
            segments.append(segments[0])
        if all(0 <= position <= 1 for position, _color_value in segments):
            positions = [position for position, _color_value in segments]
        else:
            positions = [index / (len(segments) - 1) for index in range(len(segments))]
        colors = [Color(*color_value) for _position, color_value in segments]
        extend = (shading.get("Extend") or "0").strip() != "0"
        start = _numbers(shading.get("StartPoint"), 2) or [0.0, 0.0]
        end = _numbers(shading.get("EndPoint"), 2) or start
        if xml.local(shading) == "AxialShd":
            page.canvas.linearGradient(*start, *end, colors, positions, extend=extend)
        else:
            radius = max(_float(shading.get("EndRadius"), 0.0), _float(shading.get("StartRadius"), 0.0))
            page.canvas.radialGradient(*end, radius or 1.0, colors, positions, extend=extend)

    def _draw_text(self, page: _Page, element, state: _State) -> None:
        canvas = page.canvas
        font = self.font(page, (element.get("Font") or "").strip())
        size = _float(element.get("Size"), 3.5)
        if not 0 < size < 1000:
            return
        if (element.get("Fill") or "true").lower() == "false":
            return
        canvas.setFillColor(_color(self, page, xml.child(element, "FillColor"), state.fill_color))
        h_scale = _float(element.get("HScale"), 1.0) or 1.0
        mapped = _glyph_map(element) if font.outlines is not None else {}
        # Vertical text: each glyph turned by CharDirection (0, 90, 180 or 270 degrees).
        char_direction = _float(element.get("CharDirection"), 0.0) % 360
        read_direction = round(_float(element.get("ReadDirection"), 0.0)) % 360
        position = 0  # CGTransform counts characters across the object's TextCodes
        x = y = 0.0
        for code in xml.children(element, "TextCode"):
            text = code.text or ""
            if not text:
                continue
            x = _float(code.get("X"), x)
            y = _float(code.get("Y"), y)
            delta_x = _deltas(code.get("DeltaX"))
            delta_y = _deltas(code.get("DeltaY"))
            advance = 0.0
            for number, char in enumerate(text):
                glyphs = font.outline_glyphs(char, mapped.get(position + number))
                advance = (
                    _outline_advance(font.outlines, glyphs, size)
                    if glyphs
                    else pdfmetrics.stringWidth(char, font.for_char(char), size)
                ) * h_scale
                if not char.isspace() or glyphs:
                    canvas.saveState()
                    canvas.translate(x, y)
                    canvas.scale(h_scale, -1)
                    if char_direction:
                        canvas.rotate(-char_direction)  # clockwise on the page, whose y axis points down
                    if glyphs:
                        _draw_outlines(canvas, font.outlines, glyphs, size)
                        _draw_invisible(canvas, char, size)  # for search and copying
                    else:
                        canvas.setFont(font.for_char(char), size)
                        canvas.drawString(0, 0, char)
                    canvas.restoreState()
                if number < len(text) - 1:
                    if number < len(delta_x):
                        x += delta_x[number]
                    elif not delta_x and not delta_y:
                        step_x, step_y = _reading_step(read_direction, advance, size)
                        x, y = x + step_x, y + step_y
                    elif number >= len(delta_x) and delta_x:
                        x += delta_x[-1]
                    if number < len(delta_y):
                        y += delta_y[number]
            position += len(text)
            step_x, step_y = _reading_step(read_direction, advance, size)
            x, y = x + step_x, y + step_y

    def _draw_composite(self, page: _Page, element, state: _State, depth: int) -> None:
        """A composite object draws the content of its CompositeGraphicUnit resource in its
        own coordinates (the object's CTM maps them onto the boundary)."""
        found = page.resources.elements.get((element.get("ResourceID") or "").strip())
        content = xml.child(found[0], "Content") if found is not None else None
        if content is None:
            self.skip("a composite object without its graphic unit")
            return
        self._draw_block(page, content, state, depth)

    def _draw_image(self, page: _Page, element, state: _State) -> None:
        image = self.image(page, (element.get("ResourceID") or "").strip())
        canvas = page.canvas
        if image is None:
            # Missing, broken or of a format not read here: a marked box where it belongs,
            # so that the page still shows something stands there.
            self.skip("an image")
            _draw_placeholder(canvas)
            return
        canvas.translate(0, 1)
        canvas.scale(1, -1)
        _draw_picture(canvas, image)


@dataclass(frozen=True)
class _State:
    line_width: float = 0.353
    fill_color: tuple = (0, 0, 0)
    stroke_color: tuple = (0, 0, 0)

    @classmethod
    def from_draw_param(cls, renderer: _Renderer, page: _Page, param_id: str | None) -> _State:
        return cls().with_param(renderer, page, param_id)

    def with_param(self, renderer: _Renderer, page: _Page, param_id: str | None, depth: int = 0) -> _State:
        if not param_id or depth > 4:
            return self
        found = page.resources.elements.get(param_id.strip())
        if found is None:
            return self
        element, _base = found
        state = self.with_param(renderer, page, element.get("Relative"), depth + 1)
        return _State(
            line_width=_float(element.get("LineWidth"), state.line_width),
            fill_color=_color(renderer, page, xml.child(element, "FillColor"), state.fill_color),
            stroke_color=_color(renderer, page, xml.child(element, "StrokeColor"), state.stroke_color),
        )


# ---------------------------------------------------------------------------- helpers


_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _float(value, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def _numbers(value: str | None, count: int | None) -> list[float] | None:
    if not value:
        return None
    try:
        numbers = [float(part) for part in value.replace(",", " ").split()]
    except ValueError:
        return None
    if (count is not None and len(numbers) != count) or not all(math.isfinite(n) for n in numbers):
        return None
    return numbers


def _box(value: str | None, limits: Limits, *, allow_empty: bool = False) -> Box | None:
    try:
        return parse_box(value or "", "a boundary", limits)
    except OfdError:
        if allow_empty:
            numbers = _numbers(value, 4)
            if numbers is not None and all(abs(n) <= limits.max_page_mm for n in numbers):
                return Box(*numbers)
        return None


def _deltas(value: str | None) -> list[float]:
    """DeltaX / DeltaY: numbers, where `g n d` stands for n times d."""
    if not value:
        return []
    parts = value.split()
    found: list[float] = []
    index = 0
    while index < len(parts) and len(found) < 100_000:
        if parts[index] == "g" and index + 2 < len(parts):
            count = int(float(parts[index + 1]))
            found += [float(parts[index + 2])] * max(0, min(count, 100_000))
            index += 3
        else:
            found.append(float(parts[index]))
            index += 1
    return found


def _color(renderer: _Renderer, page: _Page, element, default: tuple) -> tuple:
    if element is None:
        return default
    value = (element.get("Value") or "").strip()
    if not value:
        return default
    parts = value.split()
    try:
        numbers = [int(part[1:], 16) if part.startswith("#") else float(part) for part in parts]
    except ValueError:
        return default
    space = ""
    space_id = (element.get("ColorSpace") or "").strip()
    found = page.resources.elements.get(space_id) if space_id else None
    if found is not None:
        space = (found[0].get("Type") or "").upper()
    top = 255.0
    if found is not None:
        top = float(2 ** _float(found[0].get("BitsPerComponent"), 8) - 1) or 255.0
    scaled = [max(0.0, min(1.0, number / top)) for number in numbers]
    if space == "GRAY" or len(scaled) == 1:
        return (scaled[0],) * 3
    if space == "CMYK" or len(scaled) == 4:
        c, m, y, k = (scaled + [0.0] * 4)[:4]
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    if len(scaled) >= 3:
        return tuple(scaled[:3])
    return default


def _reading_step(read_direction: int, advance: float, size: float) -> tuple[float, float]:
    """The move to the next character where no DeltaX/DeltaY says it: along the reading
    direction (clockwise from left-to-right; a vertical line moves by the font size)."""
    if read_direction == 90:
        return 0.0, size
    if read_direction == 180:
        return -advance, 0.0
    if read_direction == 270:
        return 0.0, -size
    return advance, 0.0


def _outline_font(data: bytes):
    """The font as fontTools reads it (lazily, table by table), or None."""
    try:
        font = FontToolsFont(io.BytesIO(data), lazy=True)
        font.getGlyphOrder()
        if font["head"].unitsPerEm <= 0:
            return None
    except Exception:  # noqa: BLE001 - hostile or broken font data: drawn with the system font
        return None
    return font


def _outline_cmap(font) -> dict:
    try:
        return font.getBestCmap() or {}
    except Exception:  # noqa: BLE001
        return {}


def _glyph_map(element) -> dict[int, list[int]]:
    """Character position -> glyph indices, from the TextObject's CGTransforms."""
    found: dict[int, list[int]] = {}
    for transform in xml.children(element, "CGTransform"):
        try:
            start = int(float(transform.get("CodePosition") or 0))
            count = max(1, int(float(transform.get("CodeCount") or 1)))
            glyphs = [int(float(value)) for value in xml.text(transform, "Glyphs").split()][:10_000]
        except ValueError:
            continue
        if not glyphs or start < 0 or count > 10_000:
            continue
        if count == len(glyphs):
            for offset, glyph in enumerate(glyphs):
                found[start + offset] = [glyph]
        else:  # ligatures (several characters, one glyph) or one character drawn as several glyphs
            found[start] = glyphs
            for offset in range(1, count):
                found[start + offset] = []
    return found


def _outline_advance(font, glyphs: list[int], size: float) -> float:
    try:
        metrics, order = font["hmtx"].metrics, font.getGlyphOrder()
        units = sum(metrics[order[glyph]][0] for glyph in glyphs if 0 <= glyph < len(order))
        return units * size / font["head"].unitsPerEm
    except Exception:  # noqa: BLE001
        return size


class _CanvasPen(BasePen):
    """Glyph outlines into a reportlab canvas path."""

    def __init__(self, glyph_set, path, offset: float):
        super().__init__(glyph_set)
        self.path, self.offset = path, offset

    def _moveTo(self, point):  # noqa: N802 - fontTools' names
        self.path.moveTo(point[0] + self.offset, point[1])

    def _lineTo(self, point):  # noqa: N802
        self.path.lineTo(point[0] + self.offset, point[1])

    def _curveToOne(self, first, second, third):  # noqa: N802
        self.path.curveTo(
            first[0] + self.offset, first[1], second[0] + self.offset, second[1], third[0] + self.offset, third[1]
        )

    def _qCurveToOne(self, control, end):  # noqa: N802
        x0, y0 = self._getCurrentPoint()
        c1 = (x0 + 2 / 3 * (control[0] - x0), y0 + 2 / 3 * (control[1] - y0))
        c2 = (end[0] + 2 / 3 * (control[0] - end[0]), end[1] + 2 / 3 * (control[1] - end[1]))
        self._curveToOne(c1, c2, end)

    def _closePath(self):  # noqa: N802
        self.path.close()


def _draw_outlines(canvas, font, glyphs: list[int], size: float) -> None:
    """Glyphs side by side from the origin, in font units scaled to `size` (the caller has
    flipped the page's y axis back up, as for text)."""
    try:
        order, glyph_set = font.getGlyphOrder(), font.getGlyphSet()
        metrics = font["hmtx"].metrics
        scale = size / font["head"].unitsPerEm
        canvas.saveState()
        canvas.scale(scale, scale)
        path = canvas.beginPath()
        offset = 0.0
        for glyph in glyphs:
            if 0 <= glyph < len(order):
                glyph_set[order[glyph]].draw(_CanvasPen(glyph_set, path, offset))
                offset += metrics[order[glyph]][0]
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()
    except Exception:  # noqa: BLE001 - a broken glyph: nothing drawn for it
        return


def _draw_invisible(canvas, char: str, size: float) -> None:
    text = canvas.beginText(0, 0)
    text.setTextRenderMode(3)
    text.setFont(_cjk_font(), size)
    text.textOut(char)
    canvas.drawText(text)


def _shading(fill_color):
    if fill_color is None:
        return None
    for name in ("AxialShd", "RadialShd"):
        found = xml.child(fill_color, name)
        if found is not None:
            return found
    return None


def _path_commands(path, data: str, ctm: list[float] | None = None) -> None:
    tokens = _TOKEN.findall(data or "")
    if len(tokens) > MAX_PATH_TOKENS:
        raise ValueError("path too long")

    def point(x: float, y: float) -> tuple[float, float]:
        if ctm is None:
            return x, y
        a, b, c, d, e, f = ctm
        return a * x + c * y + e, b * x + d * y + f

    index, current, start = 0, (0.0, 0.0), (0.0, 0.0)
    command = ""
    counts = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}

    def take(count: int) -> list[float]:
        nonlocal index
        values = [float(value) for value in tokens[index : index + count]]
        if len(values) != count:
            raise ValueError("short path command")
        index += count
        return values

    while index < len(tokens):
        token = tokens[index]
        if token.isalpha():
            command = token.upper()
            index += 1
            if command == "C":
                path.close()
                current = start
                continue
        if command not in counts or command == "C":
            raise ValueError(f"unknown path command {token!r}")
        values = take(counts[command])
        if command in ("S", "M"):
            current = start = (values[0], values[1])
            path.moveTo(*point(*current))
        elif command == "L":
            current = (values[0], values[1])
            path.lineTo(*point(*current))
        elif command == "Q":
            (x0, y0), (x1, y1), (x, y) = current, values[0:2], values[2:4]
            c1 = (x0 + 2 / 3 * (x1 - x0), y0 + 2 / 3 * (y1 - y0))
            c2 = (x + 2 / 3 * (x1 - x), y + 2 / 3 * (y1 - y))
            path.curveTo(*point(*c1), *point(*c2), *point(x, y))
            current = (x, y)
        elif command == "B":
            path.curveTo(*point(*values[0:2]), *point(*values[2:4]), *point(*values[4:6]))
            current = (values[4], values[5])
        elif command == "A":
            for curve in _arc(current, *values):
                path.curveTo(*point(*curve[0:2]), *point(*curve[2:4]), *point(*curve[4:6]))
            current = (values[5], values[6])


def _arc(current, rx, ry, angle, large, sweep, x, y) -> list[tuple[float, ...]]:
    """An elliptical arc (the SVG endpoint form OFD uses) as cubic Bézier curves."""
    x0, y0 = current
    if (x0, y0) == (x, y):
        return []
    rx, ry = abs(rx), abs(ry)
    if rx == 0 or ry == 0:
        return [(x0, y0, x, y, x, y)]
    phi = math.radians(angle)
    cos_phi, sin_phi = math.cos(phi), math.sin(phi)
    dx, dy = (x0 - x) / 2, (y0 - y) / 2
    x1p, y1p = cos_phi * dx + sin_phi * dy, -sin_phi * dx + cos_phi * dy
    scale = (x1p**2) / (rx**2) + (y1p**2) / (ry**2)
    if scale > 1:
        rx, ry = rx * math.sqrt(scale), ry * math.sqrt(scale)
    numerator = rx**2 * ry**2 - rx**2 * y1p**2 - ry**2 * x1p**2
    denominator = rx**2 * y1p**2 + ry**2 * x1p**2
    factor = math.sqrt(max(0.0, numerator / denominator)) if denominator else 0.0
    if bool(large) == bool(sweep):
        factor = -factor
    cxp, cyp = factor * rx * y1p / ry, -factor * ry * x1p / rx
    cx = cos_phi * cxp - sin_phi * cyp + (x0 + x) / 2
    cy = sin_phi * cxp + cos_phi * cyp + (y0 + y) / 2

    def angle_of(ux, uy, vx, vy):
        return math.atan2(ux * vy - uy * vx, ux * vx + uy * vy)

    theta = angle_of(1, 0, (x1p - cxp) / rx, (y1p - cyp) / ry)
    delta = angle_of((x1p - cxp) / rx, (y1p - cyp) / ry, (-x1p - cxp) / rx, (-y1p - cyp) / ry)
    if not sweep and delta > 0:
        delta -= 2 * math.pi
    elif sweep and delta < 0:
        delta += 2 * math.pi

    def at(t):
        px, py = rx * math.cos(t), ry * math.sin(t)
        return cos_phi * px - sin_phi * py + cx, sin_phi * px + cos_phi * py + cy

    def derivative(t):
        px, py = -rx * math.sin(t), ry * math.cos(t)
        return cos_phi * px - sin_phi * py, sin_phi * px + cos_phi * py

    segments = max(1, math.ceil(abs(delta) / (math.pi / 2)))
    step = delta / segments
    k = 4 / 3 * math.tan(step / 4)
    curves = []
    for number in range(segments):
        t1, t2 = theta + number * step, theta + (number + 1) * step

        p1, p2 = at(t1), at(t2)
        d1, d2 = derivative(t1), derivative(t2)  # control points lie along the tangents
        c1 = (p1[0] + k * d1[0], p1[1] + k * d1[1])
        c2 = (p2[0] - k * d2[0], p2[1] - k * d2[1])
        curves.append((*c1, *c2, *p2))
    return curves


def _picture(data: bytes, kind: str, renderer: _Renderer | None):
    """An image for reportlab, or None. Its pixel count is read from the header before
    anything is decoded: an enormous image is skipped, never inflated. A seal picture of
    type OFD (seen in the field) is drawn by rendering its first page."""
    kind = kind.lower().lstrip(".")
    if kind == "ofd" or data[:4] == zipped.ZIP_MAGIC:
        return _ofd_picture(data, renderer)
    if kind in ("jb2", "jbig2", "gbig2") or data.startswith(jbig2.FILE_ID):
        try:
            return jbig2.from_file(data)
        except jbig2.NotJbig2:
            return None
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS or width <= 0 or height <= 0:
                if renderer is not None:
                    renderer.skip("an image larger than allowed")
                return None
            probe.load()
            image = probe.convert("RGBA") if probe.mode in ("RGBA", "LA", "P", "PA") else probe.convert("RGB")
    except Image.DecompressionBombError:
        if renderer is not None:
            renderer.skip("an image larger than allowed")
        return None
    except (OSError, ValueError, SyntaxError):
        return None
    return ImageReader(image)


def _draw_picture(canvas, image) -> None:
    """An image (ImageReader or JBIG2) into the unit square of the current coordinates."""
    if isinstance(image, jbig2.Jbig2Image):
        _draw_jbig2(canvas, image)
    else:
        canvas.drawImage(image, 0, 0, 1, 1, mask="auto")


def _draw_jbig2(canvas, image: jbig2.Jbig2Image) -> None:
    """A JBIG2 image passed to the PDF as it is (JBIG2Decode), for pdfium to decode: reportlab
    draws only images it can read itself, so the XObject is registered the way its drawImage
    does."""
    document = canvas._doc  # noqa: SLF001 - reportlab has no public door for a raw image XObject
    name = "Jbig2" + hashlib.sha256(image.globals + image.page).hexdigest()[:24]
    registered = document.getXObjectName(name)
    if document.idToObject.get(registered) is None:
        xobject = pdfdoc.PDFImageXObject(name)
        xobject.width, xobject.height = image.width, image.height
        xobject.bitsPerComponent = 1
        xobject.colorSpace = "DeviceGray"
        xobject._filters = ("JBIG2Decode",)  # noqa: SLF001
        xobject.streamContent = image.page
        xobject.mask = None
        if image.globals:
            globals_stream = pdfdoc.PDFStream(content=image.globals, filters=[])
            xobject.decode_parms = document.Reference(globals_stream, registered + "Globals")
        document.addForm(name, _Jbig2XObject(xobject))
    if name not in canvas._formsinuse:  # noqa: SLF001 - the page's XObject resources
        canvas._formsinuse.append(name)  # noqa: SLF001
    canvas._currentPageHasImages = 1  # noqa: SLF001
    canvas._code.append(f"/{registered} Do")  # noqa: SLF001


class _Jbig2XObject(pdfdoc.PDFObject):
    """Formats the image XObject with the JBIG2Globals reference reportlab's own lacks."""

    def __init__(self, xobject):
        self.xobject = xobject

    def format(self, document):
        xobject = self.xobject
        stream = pdfdoc.PDFStream(content=xobject.streamContent, filters=[])
        entries = stream.dictionary
        entries["Type"] = pdfdoc.PDFName("XObject")
        entries["Subtype"] = pdfdoc.PDFName("Image")
        entries["Width"] = xobject.width
        entries["Height"] = xobject.height
        entries["BitsPerComponent"] = 1
        entries["ColorSpace"] = pdfdoc.PDFName("DeviceGray")
        entries["Filter"] = pdfdoc.PDFName("JBIG2Decode")
        if getattr(xobject, "decode_parms", None) is not None:
            entries["DecodeParms"] = pdfdoc.PDFDictionary({"JBIG2Globals": xobject.decode_parms})
        return stream.format(document)


def _draw_placeholder(canvas) -> None:
    """A light box with a cross over the unit square (an image that could not be drawn)."""
    canvas.saveState()
    canvas.setFillColorRGB(0.93, 0.93, 0.93)
    canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
    canvas.setLineWidth(0)
    canvas.rect(0, 0, 1, 1, stroke=1, fill=1)
    canvas.line(0, 0, 1, 1)
    canvas.line(0, 1, 1, 0)
    canvas.restoreState()


def _ofd_picture(data: bytes, renderer: _Renderer | None):
    if renderer is not None and getattr(renderer, "nested", False):
        return None  # a seal picture inside a seal picture: not followed
    try:
        package = open_ofd(data)
        inner = _Renderer(package, package.documents[0], DEFAULT_LIMITS)
        inner.nested = True
        pdf = _pdf(inner, [0], note="", title="")
        # Transparent where the seal draws nothing, like the ink of a stamp over the page.
        png = _pdf_page_png(pdf, 0, 600, transparent=True)
        image = Image.open(io.BytesIO(png))
        image.load()
    except (OfdError, OSError, ValueError, IndexError):
        return None
    return ImageReader(image.convert("RGBA"))


def _pdf(renderer: _Renderer, pages: Iterable[int], *, note: str, title: str) -> bytes:
    buffer = io.BytesIO()
    canvas = pdf_canvas.Canvas(buffer, pageCompression=1, invariant=1)
    if title:
        canvas.setTitle(title)
    if note:
        canvas.setSubject(note)
        canvas.setKeywords(note)
    canvas.setCreator("Sealhub")
    for index in pages:
        box = renderer.document.pages[index].box
        canvas.setPageSize((box.width * MM, box.height * MM))
        renderer.draw_page(canvas, index)
        if note:
            _draw_note(canvas, note, box)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_note(canvas, note: str, box: Box) -> None:
    """The viewing-copy mark along the top edge, above whatever the page shows."""
    canvas.saveState()
    size = 7
    width = pdfmetrics.stringWidth(note, _cjk_font(), size)
    top = box.height * MM
    canvas.setFillColorRGB(1, 1, 1, alpha=0.85)
    canvas.rect(4, top - size - 6, width + 8, size + 4, stroke=0, fill=1)
    canvas.setFillColorRGB(0.75, 0.05, 0.05)
    canvas.setFont(_cjk_font(), size)
    canvas.drawString(8, top - size - 3, note)
    canvas.restoreState()


# ---------------------------------------------------------------------------- entry points


def ofd_to_pdf(
    data: bytes,
    *,
    pages: Iterable[int] | None = None,
    note: str = "",
    title: str = "",
    limits: Limits = DEFAULT_LIMITS,
) -> Rendered:
    """The pages (default: all) of the first document as a PDF. `note` (e.g. "viewing copy:
    the signed document is the OFD file") is printed on every page and written into the
    file's subject and keywords. Raises OfdError for a file that cannot be opened."""
    package = open_ofd(data, limits)
    document = package.documents[0]
    wanted = list(range(len(document.pages))) if pages is None else list(pages)
    if any(not 0 <= index < len(document.pages) for index in wanted):
        raise OfdError("no such page", code="bad_page")
    renderer = _Renderer(package, document, limits)
    pdf = _pdf(renderer, wanted, note=note, title=title)
    return Rendered(pdf=pdf, pages=wanted, skipped=renderer.skipped)


def _pdf_page_png(pdf: bytes, index: int, width_px: int, *, transparent: bool = False) -> bytes:
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(pdf)
        try:
            page = document[index]
            try:
                width_pt, _height = page.get_size()
                fill = (255, 255, 255, 0) if transparent else (255, 255, 255, 255)
                return bitmap_png(page.render(scale=width_px / width_pt, fill_color=fill))
            finally:
                page.close()
        finally:
            document.close()


def render_pages_png_list(data: bytes, *, widths: tuple[int, ...], pages: list[int]) -> list[tuple[int, dict]]:
    """Page images of an OFD file for previews, like documents/pdf/render.py for a PDF: the
    pages converted once, then rendered by pdfium. For the limited child process."""
    rendered = ofd_to_pdf(data, pages=pages)
    found = []
    for position, index in enumerate(rendered.pages):
        found.append((index, {width: _pdf_page_png(rendered.pdf, position, width) for width in widths}))
    return found


def viewing_pdf_or_none(data: bytes, *, note: str, title: str) -> bytes | None:
    """The PDF copy for viewing, marked with `note` on every page and in its metadata; None
    when the file cannot be opened. For the limited child process."""
    try:
        return ofd_to_pdf(data, note=note, title=title).pdf
    except OfdError:
        return None


def render_page_png(data: bytes, page_index: int, *, width_px: int) -> bytes:
    rendered = ofd_to_pdf(data, pages=[page_index])
    return _pdf_page_png(rendered.pdf, 0, width_px)
