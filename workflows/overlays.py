"""Where rectangles in PDF user space sit on a page image, for drawing seals, requested
placements and envelope fields over the previews."""

from __future__ import annotations

from documents.pdf.geometry import page_box_from_data, user_to_view


def _to_screen(box: dict, x: float, y: float) -> tuple[float, float]:
    """A point in PDF user space as fractions from the top-left of the displayed
    (rotated) page, the way the page images show it."""
    return user_to_view(page_box_from_data(box), x, y)


def page_overlays(rectangles: list[dict], pages: list[dict]) -> dict[int, list[dict]]:
    """{page: [{left, top, width, height (percent), **the rectangle's other keys}]}.
    Rectangles need page, x, y, width, height; cross-page ones (kind != single) are left out."""
    overlays: dict[int, list[dict]] = {}
    for rectangle in rectangles:
        if rectangle.get("kind", "single") not in ("single", "seal", "signature"):
            continue
        if not 0 <= rectangle["page"] < len(pages):
            continue
        box = pages[rectangle["page"]]
        x1, y1 = _to_screen(box, rectangle["x"], rectangle["y"])
        x2, y2 = _to_screen(box, rectangle["x"] + rectangle["width"], rectangle["y"] + rectangle["height"])
        overlays.setdefault(rectangle["page"], []).append(
            {
                **rectangle,
                "left": f"{min(x1, x2) * 100:.3f}",
                "top": f"{min(y1, y2) * 100:.3f}",
                "width": f"{abs(x2 - x1) * 100:.3f}",
                "height": f"{abs(y2 - y1) * 100:.3f}",
            }
        )
    return overlays
