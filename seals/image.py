"""Seal faces drawn as vectors at true size (reportlab). Text is drawn from the glyph
outlines of Noto Serif SC, so the PDF embeds no font and looks the same everywhere.
The same drawing gives the PDF appearance (for stamping) and the PNG preview.

Shapes follow the conventions for Chinese company seals (docs/library-notes.md): round Ø42 mm
with a star, the company name on the upper arc and the seal code on the lower arc;
special-purpose seals Ø40 mm with their purpose under the star; the invoice seal an
ellipse 40×30 mm with the taxpayer number across the centre; personal seals square.
"""

from __future__ import annotations

import functools
import io
import math
import threading
from dataclasses import dataclass

import pypdfium2
from fontTools.pens.reportLabPen import ReportLabPen
from PIL import Image as PILImage
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Ellipse, Group, Line, Polygon, Rect
from reportlab.lib.colors import Color
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as pdf_canvas

from sealcore.pdfium import PDFIUM_LOCK, bitmap_png

SEAL_RED = Color(0.86, 0.07, 0.09)
MM = 72 / 25.4  # points per millimetre


class FontUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class SealFace:
    shape: str  # "round" | "oval" | "square"
    width_mm: float
    height_mm: float
    arc_text: str  # company name along the upper arc (or the name on a square seal)
    centre_text: str = ""  # purpose under the star, e.g. 合同专用章
    code: str = ""  # seal code along the lower arc
    taxpayer_number: str = ""  # invoice seals: across the centre


FACE_FOR_TYPE = {
    "official": ("round", 42, 42, ""),
    "contract": ("round", 42, 42, "合同专用章"),
    "finance": ("round", 40, 40, "财务专用章"),
    "invoice": ("oval", 40, 30, "发票专用章"),
    "legal_representative": ("square", 20, 20, ""),
}


def face_for(*, seal_type: str, company_name: str, seal_name: str, code: str, uscc: str) -> SealFace:
    shape, width, height, purpose = FACE_FOR_TYPE[seal_type]
    if shape == "square":
        return SealFace(shape, width, height, seal_name)
    return SealFace(shape, width, height, company_name, purpose, code, uscc if shape == "oval" else "")


_FONT_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _font():
    try:  # imported here so a missing font package gets the message below, not a crash at startup
        import pylopdf_fonts_zh_cn
        from fontTools.ttLib import TTFont

        font = TTFont(str(pylopdf_fonts_zh_cn.serif_path()), lazy=True)
    except (ImportError, OSError) as exc:
        raise FontUnavailable(
            "The CJK seal font (Noto Serif SC from the pylopdf-fonts-zh-cn package) is missing: "
            "run `make install` (pip install -r requirements.txt)."
        ) from exc
    return font, font.getGlyphSet(), font.getBestCmap(), font["head"].unitsPerEm


def _glyph(
    char: str, size_mm: float, x_mm: float, y_mm: float, angle: float = 0.0, squash: float = 1.0, color=SEAL_RED
) -> Group:
    """One character, centred on (x, y), rotated by `angle` radians, `size_mm` tall;
    `squash` < 1 narrows it (seal faces use condensed characters on long names)."""
    with _FONT_LOCK:  # the font loads its tables lazily, which threads must not do at once
        _font_file, glyph_set, cmap, units = _font()
        glyph_name = cmap.get(ord(char)) or cmap.get(ord("□"))
        pen = ReportLabPen(glyph_set)
        glyph_set[glyph_name].draw(pen)
        advance = glyph_set[glyph_name].width
    path = pen.path
    path.fillColor = color
    path.strokeColor = None
    scale = size_mm * MM / units
    cos, sin = math.cos(angle), math.sin(angle)
    # Glyph space → centre the em box (CJK: vertical centre ≈ 0.38 em above the baseline).
    centre_x, centre_y = advance / 2, units * 0.38
    a, b, c, d = scale * squash * cos, scale * squash * sin, -scale * sin, scale * cos
    e = x_mm * MM - (a * centre_x + c * centre_y)
    f = y_mm * MM - (b * centre_x + d * centre_y)
    group = Group(path)
    group.transform = (a, b, c, d, e, f)
    return group


def _star(cx: float, cy: float, radius: float) -> Polygon:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        theta = math.pi / 2 + i * math.pi / 5
        points += [(cx + r * math.cos(theta)) * MM, (cy + r * math.sin(theta)) * MM]
    return Polygon(points, fillColor=SEAL_RED, strokeColor=None)


def _arc_text(
    text: str, cx: float, cy: float, rx: float, ry: float, size: float, *, span: float, top: bool
) -> list[Group]:
    """Characters along an (elliptical) arc, upright towards the outside (top) or inside (bottom)."""
    if not text:
        return []
    count = len(text)
    step = span / max(count - 1, 1) if count > 1 else 0
    groups = []
    for index, char in enumerate(text):
        offset = (index - (count - 1) / 2) * step
        theta = math.pi / 2 + (-offset if top else 0) if top else -math.pi / 2 + offset
        x, y = cx + rx * math.cos(theta), cy + ry * math.sin(theta)
        # Tangent angle of the ellipse at theta, so text follows the rim.
        tangent = math.atan2(ry * math.cos(theta), -rx * math.sin(theta))
        angle = tangent - math.pi if top else tangent
        groups.append(_glyph(char, size, x, y, angle, squash=0.85))
    return groups


def seal_drawing(face: SealFace) -> Drawing:
    width, height = face.width_mm, face.height_mm
    drawing = Drawing(width * MM, height * MM)
    cx, cy = width / 2, height / 2
    rim = 1.2 if face.shape == "round" else 1.0
    if face.shape == "square":
        drawing.add(
            Rect(
                rim / 2 * MM,
                rim / 2 * MM,
                (width - rim) * MM,
                (height - rim) * MM,
                fillColor=None,
                strokeColor=SEAL_RED,
                strokeWidth=rim * MM,
            )
        )
        chars = face.arc_text + ("之印" if len(face.arc_text) == 2 else "印" if len(face.arc_text) == 3 else "")
        chars = chars[:4]
        # Traditional order: right column top to bottom, then the left column.
        cells = [(0.73, 0.71), (0.73, 0.29), (0.27, 0.71), (0.27, 0.29)]
        size = height * 0.36
        for char, (fx, fy) in zip(chars, cells, strict=False):
            drawing.add(_glyph(char, size, width * fx, height * fy))
        return drawing

    rx, ry = width / 2 - rim / 2, height / 2 - rim / 2
    drawing.add(Ellipse(cx * MM, cy * MM, rx * MM, ry * MM, fillColor=None, strokeColor=SEAL_RED, strokeWidth=rim * MM))
    # Long names get smaller characters so they fit in about 240° of arc.
    round_seal = face.shape == "round"
    max_size = (width if round_seal else height) * (0.15 if round_seal else 0.16)
    fit_size = math.radians(240) * rx * 0.8 / max(len(face.arc_text), 1) / 0.95
    name_size = min(max_size, fit_size)
    inset = rim / 2 + 1.1 + name_size / 2
    name_r = (rx - inset, ry - inset)
    max_span = math.radians(240 if round_seal else 200)
    span = min(max_span, (len(face.arc_text) - 1) * name_size * 0.95 / name_r[0]) if face.arc_text else 0
    for group in _arc_text(face.arc_text, cx, cy, *name_r, name_size, span=span, top=True):
        drawing.add(group)
    if face.shape == "round":
        drawing.add(_star(cx, cy + height * 0.02, width * 0.16))
        if face.centre_text:
            size = width * 0.095
            for index, char in enumerate(face.centre_text):
                x = cx + (index - (len(face.centre_text) - 1) / 2) * size * 0.95
                drawing.add(_glyph(char, size, x, cy - height * 0.22))
    else:  # oval invoice seal
        number_size = height * 0.09
        for index, char in enumerate(face.taxpayer_number):
            x = cx + (index - (len(face.taxpayer_number) - 1) / 2) * number_size * 0.55
            drawing.add(_glyph(char, number_size, x, cy - height * 0.04, squash=0.9))
        size = height * 0.13
        for index, char in enumerate(face.centre_text):
            x = cx + (index - (len(face.centre_text) - 1) / 2) * size * 0.95
            drawing.add(_glyph(char, size, x, cy - height * 0.25))
    if face.code and face.shape == "round":
        code_size = width * 0.055
        code_r = rx - rim / 2 - 0.6 - code_size / 2
        code_span = (len(face.code) - 1) * code_size * 0.62 / code_r
        for group in _arc_text(face.code, cx, cy, code_r, code_r, code_size, span=code_span, top=False):
            drawing.add(group)
    return drawing


@functools.lru_cache(maxsize=256)
def seal_pdf(face: SealFace) -> bytes:
    """A one-page PDF exactly the size of the seal (the stamp appearance). Cached: a face
    never changes, and every sealing job needs it."""
    return renderPDF.drawToString(seal_drawing(face))


def seal_png(face: SealFace, *, dpi: int = 300) -> bytes:
    """A transparent PNG preview, rasterised from the same PDF."""
    pdf = seal_pdf(face)
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(pdf)
        try:
            bitmap = document[0].render(scale=dpi / 72, may_draw_forms=False, fill_color=(255, 255, 255, 0))
            return bitmap_png(bitmap, optimize=True)
        finally:
            document.close()


def appearance_png(pdf: bytes, *, dpi: int = 300) -> bytes:
    """A one-page appearance PDF (a person's signature) as a transparent PNG: the picture of
    the personal seal an OFD signature carries."""
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(pdf)
        try:
            bitmap = document[0].render(scale=dpi / 72, may_draw_forms=False, fill_color=(255, 255, 255, 0))
            return bitmap_png(bitmap, optimize=True)
        finally:
            document.close()


# Anti-aliased edges need a few levels of coverage, not 256: 16 are indistinguishable in print.
PICTURE_ALPHA_LEVELS = 16


def seal_picture_png(face: SealFace, *, dpi: int = 300) -> bytes:
    """The picture inside a national-format seal (GB/T 38540 allows PNG): the same face at the
    same print resolution, but as a palette PNG of one ink colour at 16 levels of coverage,
    a third to a half of the size of the RGBA preview. Every sealed file carries it."""
    pdf = seal_pdf(face)
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(pdf)
        try:
            bitmap = document[0].render(scale=dpi / 72, may_draw_forms=False, fill_color=(255, 255, 255, 0))
            try:
                image = bitmap.to_pil().convert("RGBA")
            finally:
                bitmap.close()
        finally:
            document.close()
    step = 255 / (PICTURE_ALPHA_LEVELS - 1)
    coverage = image.getchannel("A").point(lambda value: round(round(value / step) * step))
    ink = [round(channel * 255) for channel in SEAL_RED.rgb()]
    # The palette index is the coverage itself: every entry is the ink, its alpha the index.
    picture = PILImage.frombytes("P", coverage.size, coverage.tobytes())
    picture.putpalette(ink * 256)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True, transparency=bytes(range(256)))
    return buffer.getvalue()


SIGNATURE_INK = Color(0.05, 0.16, 0.45)
SIGNATURE_WIDTH_MM, SIGNATURE_HEIGHT_MM = 50.0, 20.0


@functools.lru_cache(maxsize=64)
def signature_pdf(name: str, caption: str = "") -> bytes:
    """A person's signature appearance: the name in ink above a line, with a small caption
    (e.g. the date), sized 50×20 mm; the field scales it to its box."""
    width, height = SIGNATURE_WIDTH_MM, SIGNATURE_HEIGHT_MM
    drawing = Drawing(width * MM, height * MM)
    name = name.strip()[:24] or "?"
    _draw_line_of_text(drawing, name, max_size=9.0, width=width - 6, centre_x=width / 2, y=height * 0.6)
    drawing.add(
        Line(3 * MM, height * 0.3 * MM, (width - 3) * MM, height * 0.3 * MM, strokeColor=SIGNATURE_INK, strokeWidth=0.6)
    )
    if caption:
        _draw_line_of_text(drawing, caption[:48], max_size=2.6, width=width - 6, centre_x=width / 2, y=height * 0.14)
    return renderPDF.drawToString(drawing)


def _draw_line_of_text(drawing: Drawing, text: str, *, max_size: float, width: float, centre_x: float, y: float):
    """Centred text; CJK characters take a full em, others about half."""
    ems = [1.0 if ord(char) >= 0x2E80 else 0.55 for char in text]
    size = min(max_size, width / max(sum(ems), 1))
    x = centre_x - size * sum(ems) / 2
    for char, em in zip(text, ems, strict=True):
        if not char.isspace():
            drawing.add(_glyph(char, size, x + size * em / 2, y, color=SIGNATURE_INK))
        x += size * em


# A drawn signature arrives from a browser: a PNG with a transparent background. Limits keep
# a hostile upload from costing memory (dimensions are read from the header before decoding).
DRAWN_SIGNATURE_MAX_BYTES = 300_000
DRAWN_SIGNATURE_MAX_SIDE = 2000
DRAWN_SIGNATURE_MIN_SIDE = 20


class DrawnSignatureRefused(ValueError):
    """The reason is one of: not_png, too_large, dimensions, not_transparent, empty."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def drawn_signature_clean(data: bytes) -> bytes:
    """A browser's drawing as a clean transparent PNG, cropped to the ink: a real PNG within
    the size limits, with an alpha channel and some ink on it. Metadata chunks are dropped
    by decoding and encoding again. Raises DrawnSignatureRefused."""
    if len(data) > DRAWN_SIGNATURE_MAX_BYTES:
        raise DrawnSignatureRefused("too_large")
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise DrawnSignatureRefused("not_png")
    try:
        with PILImage.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size
            if not (
                DRAWN_SIGNATURE_MIN_SIDE <= width <= DRAWN_SIGNATURE_MAX_SIDE
                and DRAWN_SIGNATURE_MIN_SIDE <= height <= DRAWN_SIGNATURE_MAX_SIDE
            ):
                raise DrawnSignatureRefused("dimensions")
            if image.mode not in ("RGBA", "LA") and "transparency" not in image.info:
                raise DrawnSignatureRefused("not_transparent")
            rgba = image.convert("RGBA")
    except DrawnSignatureRefused:
        raise
    except (OSError, ValueError, SyntaxError, PILImage.DecompressionBombError) as error:
        raise DrawnSignatureRefused("not_png") from error
    ink = rgba.getchannel("A").point(lambda alpha: 255 if alpha > 16 else 0).getbbox()
    if ink is None:
        raise DrawnSignatureRefused("empty")
    left, top, right, bottom = ink
    margin = 4
    cropped = rgba.crop(
        (max(left - margin, 0), max(top - margin, 0), min(right + margin, width), min(bottom + margin, height))
    )
    out = io.BytesIO()
    cropped.save(out, format="PNG", optimize=True)
    return out.getvalue()


def drawn_signature_pdf(png: bytes, caption: str = "") -> bytes:
    """A person's drawn signature (a clean PNG from drawn_signature_clean) as a 50×20 mm
    appearance: the drawing fitted above a line, with a small caption under it."""
    width, height = SIGNATURE_WIDTH_MM * MM, SIGNATURE_HEIGHT_MM * MM
    out = io.BytesIO()
    page = pdf_canvas.Canvas(out, pagesize=(width, height))
    image = ImageReader(io.BytesIO(png))
    box_width, box_height = width - 6 * MM, height * 0.62
    page.drawImage(
        image,
        3 * MM,
        height * 0.33,
        width=box_width,
        height=box_height,
        mask="auto",
        preserveAspectRatio=True,
        anchor="c",
    )
    page.setStrokeColor(SIGNATURE_INK)
    page.setLineWidth(0.6)
    page.line(3 * MM, height * 0.3, width - 3 * MM, height * 0.3)
    if caption:
        drawing = Drawing(width, height)
        _draw_line_of_text(
            drawing,
            caption[:48],
            max_size=2.6,
            width=SIGNATURE_WIDTH_MM - 6,
            centre_x=SIGNATURE_WIDTH_MM / 2,
            y=SIGNATURE_HEIGHT_MM * 0.14,
        )
        renderPDF.draw(drawing, page, 0, 0)
    page.showPage()
    page.save()
    return out.getvalue()
