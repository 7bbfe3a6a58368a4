"""Where seals go on a document: placements added, moved and removed."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check_for, current_company
from config.errors import ApplicationError
from documents.models import (
    PLACEMENT_IN_PREPARED_FIELD_FIXED,
    PLACEMENT_OUTSIDE_PREPARED_FIELDS,
    PREPARED_FIELD_ON_PAGE,
    Document,
    Placement,
)
from documents.pdf.inspect import PageBox, seal_size_on_page
from documents.pdf.keyword import find_text, find_text_ofd
from documents.pdf.limits import LimitExceeded
from documents.services.reading import pdf_read_limited
from documents.services.versions import document_assert_sealable
from events.services import audit_event_record
from seals.selectors import seal_usable_get
from seals.services import seal_face
from tenants.models import Company

MM = 72 / 25.4


def placement_rectangle_check(
    document: Document, *, page: int, x: float, y: float, width: float, height: float
) -> None:
    pages = document.current_version.pages
    if not 0 <= page < len(pages):
        raise ApplicationError(
            _("The document has no page %(page)s.") % {"page": page + 1}, "page_missing", field="page"
        )
    box = pages[page]
    if (
        width <= 0
        or height <= 0
        or x < box["left"] - 0.5
        or y < box["bottom"] - 0.5
        or x + width > box["right"] + 0.5
        or y + height > box["top"] + 0.5
    ):
        raise ApplicationError(_("The seal must lie entirely on the page."), "placement_outside", field="x")


def rectangle_centred_on_page(
    document: Document, *, page: int, x: float, y: float, width: float, height: float
) -> tuple[float, float]:
    """The lower-left corner of a width × height rectangle centred on (x, y), moved onto the page."""
    pages = document.current_version.pages
    if not 0 <= page < len(pages):
        return x, y  # placement_rectangle_check names the missing page
    box = pages[page]
    return (
        min(max(x - width / 2, box["left"]), box["right"] - width),
        min(max(y - height / 2, box["bottom"]), box["top"] - height),
    )


@transaction.atomic
def placement_add(
    *,
    document: Document,
    company: Company,
    seal_id,
    page: int,
    x: float,
    y: float,
    width: float | None = None,
    height: float | None = None,
    centred: bool = False,
    acting_user,
) -> Placement:
    """`centred`: (x, y) is the point the seal is centred on (a click), kept on the page;
    otherwise the lower-left corner."""
    authority_check_for(acting_user=acting_user, company=company, action=Action.DOCUMENT_PLACE)
    document_assert_sealable(document)
    seal = seal_usable_get(company=company, seal_id=seal_id)
    face = seal_face(seal)
    turned = False
    if 0 <= page < len(document.current_version.pages):
        box = PageBox(**document.current_version.pages[page])
        # The seal stands upright on a page shown turned by 90°: its box in user space too.
        turned = box.rotation % 180 == 90
        if width is None:  # true size, whatever /UserUnit says
            width, height = seal_size_on_page(face.width_mm, face.height_mm, box)
            if turned:
                width, height = height, width
    width = width or face.width_mm * MM
    aspect = face.width_mm / face.height_mm
    height = height or (width * aspect if turned else width / aspect)  # keep the seal's proportions
    if centred:
        x, y = rectangle_centred_on_page(document, page=page, x=x, y=y, width=width, height=height)
    placement_rectangle_check(document, page=page, x=x, y=y, width=width, height=height)
    field_name = ""
    if document.current_version.prepared_fields is not None:
        field_name, x, y, width, height = prepared_field_fit(document, page=page, x=x, y=y, width=width, height=height)
    placement = Placement.objects.create(
        document=document, seal_id=seal.pk, page=page, x=x, y=y, width=width, height=height, field_name=field_name
    )
    audit_event_record(
        acting_user=acting_user,
        action="document.placement_added",
        target=document,
        data={"seal": seal.code, "page": page + 1},
    )
    return placement


def prepared_field_fit(
    document: Document, *, page: int, x: float, y: float, width: float, height: float
) -> tuple[str, float, float, float, float]:
    """A certified document takes a seal only in a signature field its author prepared
    (documents/pdf/inspect.py): the free field the placed seal overlaps most, or whose
    centre is nearest to the seal's on that page. The seal is centred in the field at
    its size, made smaller if the field is. Returns (field name, x, y, width, height)."""
    taken = set(document.placements.exclude(field_name="").values_list("field_name", flat=True))
    free = [field for field in document.current_version.prepared_fields if field["name"] not in taken]
    on_page = [field for field in free if field["page"] == page]

    def overlap(field) -> float:
        across = min(field["right"], x + width) - max(field["left"], x)
        up = min(field["top"], y + height) - max(field["bottom"], y)
        return max(across, 0) * max(up, 0)

    touched = [field for field in on_page if overlap(field) > 0]
    if not touched:
        listed = ", ".join(
            PREPARED_FIELD_ON_PAGE % {"name": field["name"], "page": field["page"] + 1} for field in free
        )
        raise ApplicationError(
            PLACEMENT_OUTSIDE_PREPARED_FIELDS % {"fields": listed or "-"}, "placement_outside_prepared_fields"
        )
    field = max(touched, key=overlap)
    field_width, field_height = field["right"] - field["left"], field["top"] - field["bottom"]
    scale = min(1.0, field_width / width, field_height / height)
    width, height = width * scale, height * scale
    x = field["left"] + (field_width - width) / 2
    y = field["bottom"] + (field_height - height) / 2
    return field["name"], x, y, width, height


def text_occurrences(*, document: Document, text: str, occurrence: int | None = None) -> list:
    """Where `text` (e.g. 盖章处) stands in the current version, in reading order: every
    occurrence, or only the `occurrence`-th (1 = the first). Seals and envelope fields are
    placed on these the same way."""
    text = text.strip()
    if not text:
        raise ApplicationError(_("Enter the text to look for."), "text_missing", field="text")
    with document.current_version.file.open("rb") as handle:
        data = handle.read()
    try:
        search = find_text_ofd if document.current_version.is_ofd else find_text
        hits = pdf_read_limited(search, data, text)
    except LimitExceeded as exceeded:
        raise ApplicationError(
            _("This file's text could not be searched: the file is too large or too complex."),
            "text_search_too_complex",
            status=422,
            field="text",
        ) from exceeded
    if not hits:
        raise ApplicationError(
            _("“%(text)s” does not appear in the document.") % {"text": text}, "text_not_found", field="text"
        )
    if occurrence is not None:
        if not 1 <= occurrence <= len(hits):
            raise ApplicationError(
                _("“%(text)s” appears %(count)s times in the document; choose an occurrence from 1 to %(count)s.")
                % {"text": text, "count": len(hits)},
                "occurrence_not_found",
                field="occurrence",
            )
        hits = [hits[occurrence - 1]]
    return hits


def placement_add_at_text(
    *,
    document: Document,
    company: Company,
    seal_id,
    text: str,
    acting_user,
    occurrence: int | None = None,
    offset_x: float = 0.0,
    offset_y: float = 0.0,
) -> list[Placement]:
    """One placement centred on every occurrence of `text` (e.g. 盖章处), or only on the
    `occurrence`-th (1 = the first, in reading order), moved by the offset (PDF points, right
    and up), kept on the page."""
    authority_check_for(acting_user=acting_user, company=company, action=Action.DOCUMENT_PLACE)
    document_assert_sealable(document)
    if not text.strip():
        raise ApplicationError(_("Enter the text to look for."), "text_missing", field="text")
    seal = seal_usable_get(company=company, seal_id=seal_id)
    hits = text_occurrences(document=document, text=text, occurrence=occurrence)
    placements = []
    with transaction.atomic():
        for hit in hits:
            placements.append(
                placement_add(
                    document=document,
                    company=company,
                    seal_id=seal.pk,
                    page=hit.page,
                    x=hit.centre[0] + offset_x,
                    y=hit.centre[1] + offset_y,
                    centred=True,
                    acting_user=acting_user,
                )
            )
    return placements


@transaction.atomic
def placement_add_cross_page(
    *, document: Document, company: Company, seal_id, y: float | None = None, acting_user
) -> Placement:
    """骑缝章: one seal split over the right edges of all pages, covered by one signature."""
    authority_check_for(acting_user=acting_user, company=company, action=Action.DOCUMENT_PLACE)
    document_assert_sealable(document, cross_page=True)
    version = document.current_version
    if version.page_count < 2:
        raise ApplicationError(_("A cross-page seal needs a document of two pages or more."), "cross_page_single_page")
    seal = seal_usable_get(company=company, seal_id=seal_id)
    face = seal_face(seal)
    width, height = face.width_mm * MM, face.height_mm * MM
    lowest_top = min(page["top"] for page in version.pages)
    highest_bottom = max(page["bottom"] for page in version.pages)
    if y is None:
        y = (lowest_top + highest_bottom) / 2 - height / 2
    if y < highest_bottom or y + height > lowest_top:
        raise ApplicationError(_("The seal must lie entirely on the page."), "placement_outside", field="y")
    placement = Placement.objects.create(
        document=document, seal_id=seal.pk, kind=Placement.Kind.CROSS_PAGE, page=0, x=0, y=y, width=width, height=height
    )
    audit_event_record(
        acting_user=acting_user,
        action="document.placement_added",
        target=document,
        data={"seal": seal.code, "cross_page": True},
    )
    return placement


@transaction.atomic
def placement_update(*, placement: Placement, x: float, y: float, width: float, acting_user) -> Placement:
    """Move or resize; the seal keeps its proportions (height follows width)."""
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.DOCUMENT_PLACE)
    if placement.kind != Placement.Kind.SINGLE:
        raise ApplicationError(_("A cross-page seal is moved by removing and adding it again."), "cross_page_fixed")
    if placement.field_name:
        raise ApplicationError(str(PLACEMENT_IN_PREPARED_FIELD_FIXED), "placement_in_prepared_field")
    if not 20 <= width <= 600:
        raise ApplicationError(_("The seal would be too small or too large."), "placement_size", field="width")
    height = width * placement.height / placement.width
    placement_rectangle_check(placement.document, page=placement.page, x=x, y=y, width=width, height=height)
    placement.x, placement.y, placement.width, placement.height = x, y, width, height
    placement.save(update_fields=["x", "y", "width", "height"])
    return placement


@transaction.atomic
def placement_remove(*, placement: Placement, acting_user) -> None:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.DOCUMENT_PLACE)
    audit_event_record(
        acting_user=acting_user,
        action="document.placement_removed",
        target=placement.document,
        data={"page": placement.page + 1},
    )
    placement.delete()


def placements_as_data(placements: list[Placement]) -> list[dict]:
    """As a signing grant holds them; `field_name` when the seal fills a prepared field."""
    return [
        {"page": p.page, "x": p.x, "y": p.y, "width": p.width, "height": p.height, "kind": p.kind}
        | ({"field_name": p.field_name} if p.field_name else {})
        for p in placements
    ]
