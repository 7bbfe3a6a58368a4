"""Between the page a person sees and PDF user space. Pure functions over a PageBox
(documents/pdf/structure.py: CropBox clipped to the MediaBox, corners normalised, /Rotate,
/UserUnit), mirrored by the browser's placement component (config/static/sealhub/placer.js)
and checked against pdfium's rendering by the placement browser test.

"View" coordinates are fractions (0..1) from the top-left corner of the page as viewers
show it: cropped and turned by /Rotate clockwise. They do not depend on the image's size or
zoom, so a rectangle kept in view fractions lands where it is drawn at any size."""

from __future__ import annotations

from dataclasses import dataclass

from documents.pdf.structure import PageBox

POINTS_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class ViewRect:
    """A rectangle in view fractions: left/top corner and size, all 0..1 of the shown page."""

    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class UserRect:
    """A rectangle in PDF user space: lower-left corner and size (user units)."""

    x: float
    y: float
    width: float
    height: float


def page_box_from_data(data: dict) -> PageBox:
    """A PageBox from the JSON kept per version (documents/models.py DocumentVersion.pages)."""
    return PageBox(
        float(data["left"]),
        float(data["bottom"]),
        float(data["right"]),
        float(data["top"]),
        int(data.get("rotation", 0)) % 360,
        float(data.get("user_unit", 1.0) or 1.0),
    )


def view_to_user(box: PageBox, u: float, v: float) -> tuple[float, float]:
    """The user-space point shown at (u, v) from the top-left of the shown page. /Rotate
    turns the page clockwise for display."""
    w, h = box.width, box.height
    rotation = box.rotation % 360
    if rotation == 90:
        return box.left + v * w, box.bottom + u * h
    if rotation == 180:
        return box.right - u * w, box.bottom + v * h
    if rotation == 270:
        return box.right - v * w, box.top - u * h
    return box.left + u * w, box.top - v * h


def user_to_view(box: PageBox, x: float, y: float) -> tuple[float, float]:
    """Inverse of `view_to_user`."""
    w, h = box.width, box.height
    rotation = box.rotation % 360
    if rotation == 90:
        return (y - box.bottom) / h, (x - box.left) / w
    if rotation == 180:
        return (box.right - x) / w, (y - box.bottom) / h
    if rotation == 270:
        return (box.top - y) / h, (box.right - x) / w
    return (x - box.left) / w, (box.top - y) / h


def view_rect_to_user(box: PageBox, rect: ViewRect) -> UserRect:
    (x1, y1), (x2, y2) = (
        view_to_user(box, rect.left, rect.top),
        view_to_user(box, rect.left + rect.width, rect.top + rect.height),
    )
    return UserRect(min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1))


def user_rect_to_view(box: PageBox, rect: UserRect) -> ViewRect:
    (u1, v1), (u2, v2) = user_to_view(box, rect.x, rect.y), user_to_view(box, rect.x + rect.width, rect.y + rect.height)
    return ViewRect(min(u1, u2), min(v1, v2), abs(u2 - u1), abs(v2 - v1))


def view_size_mm(box: PageBox) -> tuple[float, float]:
    """Width and height of the shown page in millimetres (turned by /Rotate, /UserUnit applied)."""
    width = box.width * box.user_unit / POINTS_PER_MM
    height = box.height * box.user_unit / POINTS_PER_MM
    return (height, width) if box.rotation % 180 == 90 else (width, height)


def view_rect_mm(box: PageBox, rect: ViewRect) -> tuple[float, float, float, float]:
    """A view rectangle in millimetres from the shown page's top-left corner: what a ruler
    laid on the printed page would measure."""
    page_width, page_height = view_size_mm(box)
    return rect.left * page_width, rect.top * page_height, rect.width * page_width, rect.height * page_height
