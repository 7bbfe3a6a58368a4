"""Page images (previews) of document versions, rendered by the worker ahead of time or
when asked for."""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.fair_share import on_commit_enqueue_shared, shared_slot_release
from documents.models import DocumentVersion
from documents.pdf.keyword import text_lines
from documents.pdf.limits import LimitExceeded
from documents.pdf.render import render_page_png
from documents.pdf.render import render_pages_png_list as render_pdf_pages_png_list
from documents.services.reading import pdf_read_limited
from documents.tasks import document_previews
from sealcore.ofd import render as ofd_render

PREVIEW_WIDTHS = (200, 900)


def preview_path(version: DocumentVersion, page: int, width: int) -> str:
    # Under the company's own prefix, like the documents themselves.
    return f"{connection.schema_name}/previews/{version.pk}/p{page}-w{width}.png"


def document_page_preview_path(*, version: DocumentVersion, page: int, width: int) -> str:
    """Storage path of a page image, rendered now if the worker has not prepared it yet."""
    if width not in PREVIEW_WIDTHS or not 0 <= page < version.page_count:
        raise ApplicationError(_("There is no such page image."), "preview_missing", status=404)
    path = preview_path(version, page, width)
    if not default_storage.exists(path):
        with version.file.open("rb") as handle:
            data = handle.read()
        try:
            render = ofd_render.render_page_png if version.is_ofd else render_page_png
            png = pdf_read_limited(render, data, page, width_px=width)
        except LimitExceeded as exceeded:
            raise ApplicationError(
                _("This page could not be shown: the file is too large or too complex."), "page_too_complex", status=422
            ) from exceeded
        default_storage.save(path, ContentFile(png))
    return path


def document_viewing_pdf(*, version: DocumentVersion) -> bytes:
    """An OFD version as a PDF for viewing only, marked as such on every page and in the
    file's metadata: the signed document stays the OFD file."""
    if not version.is_ofd:
        raise ApplicationError(_("There is no such page image."), "preview_missing", status=404)
    with version.file.open("rb") as handle:
        data = handle.read()
    note = _("Viewing copy only: the signed document is the OFD file %(name)s (SHA-256 %(sha256)s).") % {
        "name": version.download_name(),
        "sha256": version.sha256[:16],
    }
    try:
        pdf = pdf_read_limited(ofd_render.viewing_pdf_or_none, data, note=note, title=version.document.name)
    except LimitExceeded as exceeded:
        raise ApplicationError(
            _("This page could not be shown: the file is too large or too complex."), "page_too_complex", status=422
        ) from exceeded
    if pdf is None:
        raise ApplicationError(_("The OFD file cannot be drawn as PDF."), "ofd_unreadable", status=422)
    return pdf


def document_page_text_lines(*, version: DocumentVersion, page: int) -> list[float]:
    """Baselines of the page's text lines in user space, for snapping a placed box to the
    line it is signed on. A page that cannot be read within the limits has none."""
    if not 0 <= page < version.page_count:
        raise ApplicationError(_("There is no such page image."), "preview_missing", status=404)
    if version.is_ofd:  # no snapping on OFD pages: their text is found through the OFD reader
        return []
    with version.file.open("rb") as handle:
        data = handle.read()
    try:
        return pdf_read_limited(text_lines, data, page)
    except LimitExceeded:
        return []


# Pages per preview job: a long document is rendered by a chain of short jobs, so a sealing
# job queued meanwhile waits for one chunk (about a second of scans), not for the whole file.
PREVIEW_PAGES_PER_TASK = 20


def document_previews_render(
    *,
    version_id,
    first_page: int = 0,
    page_limit: int | None = None,
    copy_from_id=None,
    drawn_pages=None,
    queue_rest: bool = False,
) -> int:
    """Pre-render page images for pages [first_page, first_page + page_limit) of a version
    (worker), counting progress for the page; returns the next page to do (page_count when
    done), and with `queue_rest` queues a job for the pages after it. With `copy_from_id`,
    pages outside `drawn_pages` look exactly as in that earlier version (a seal draws only
    on its own pages), so their images are copied from it."""
    version = DocumentVersion.objects.filter(pk=version_id).first()
    if version is None:  # deleted meanwhile: nothing to prepare
        return 0
    last_page = version.page_count if page_limit is None else min(version.page_count, first_page + page_limit)
    source = DocumentVersion.objects.filter(pk=copy_from_id).first() if copy_from_id else None
    drawn = set(drawn_pages or ())
    to_render = []
    for page in range(first_page, last_page):
        missing = [width for width in PREVIEW_WIDTHS if not default_storage.exists(preview_path(version, page, width))]
        if missing and source is not None and page not in drawn:
            missing = [width for width in missing if not _preview_copy(source, version, page, width)]
        if missing:
            to_render.append(page)
    if to_render:
        with version.file.open("rb") as handle:
            data = handle.read()
        for page, images in _pages_rendered(data, to_render, ofd=version.is_ofd):
            for width, png in images.items():
                path = preview_path(version, page, width)
                if not default_storage.exists(path):
                    default_storage.save(path, ContentFile(png))
            DocumentVersion.objects.filter(pk=version.pk, previews_ready__lt=page + 1).update(previews_ready=page + 1)
    if last_page > first_page:
        DocumentVersion.objects.filter(pk=version.pk, previews_ready__lt=last_page).update(previews_ready=last_page)
    if queue_rest and first_page < last_page < version.page_count:
        _queue(str(version.pk), last_page, copy_from_id, drawn_pages)
    return last_page


def _pages_rendered(data: bytes, pages: list[int], *, ofd: bool = False) -> list[tuple[int, dict]]:
    """Page images made in the sandbox. When the chunk overruns its limits, page by page: a
    page too large or too complex gets no image (asked for, it says so), the others do. An
    OFD file's pages are drawn as PDF first (sealcore/ofd/render.py)."""
    render_pages_png_list = ofd_render.render_pages_png_list if ofd else render_pdf_pages_png_list
    try:
        return pdf_read_limited(render_pages_png_list, data, widths=PREVIEW_WIDTHS, pages=pages)
    except LimitExceeded:
        if len(pages) == 1:
            return []
    rendered = []
    for page in pages:
        with contextlib.suppress(LimitExceeded):
            rendered += pdf_read_limited(render_pages_png_list, data, widths=PREVIEW_WIDTHS, pages=[page])
    return rendered


PNG_END = b"IEND\xaeB`\x82"


def _preview_copy(source: DocumentVersion, version: DocumentVersion, page: int, width: int) -> bool:
    """Copy one page image from `source`; False when it is not there (yet) in full."""
    source_path = preview_path(source, page, width)
    if not default_storage.exists(source_path):
        return False
    with default_storage.open(source_path, "rb") as handle:
        png = handle.read()
    if not png.endswith(PNG_END):  # another job is still writing it
        return False
    target = preview_path(version, page, width)
    if not default_storage.exists(target):  # a job run twice must not leave suffixed copies
        default_storage.save(target, ContentFile(png))
    return True


def previews_queue(
    version: DocumentVersion, *, copy_from: DocumentVersion | None = None, drawn_pages: set[int] | None = None
) -> None:
    """Queue the page images of `version`; with `copy_from`, only `drawn_pages` are rendered."""
    if copy_from is None:
        _queue(str(version.pk))
    else:
        _queue(str(version.pk), 0, str(copy_from.pk), sorted(drawn_pages or ()))


def _queue(*arguments) -> None:
    """Behind the company's own page-image jobs when it already has its share of the bulk
    queue: one company's flood of uploads never holds up another company's page images."""
    on_commit_enqueue_shared(document_previews, *arguments, slots=settings.PREVIEW_JOBS_PER_COMPANY)


def previews_slot_release(*, slot: str | None) -> None:
    """A page-image job of the current company ended: its next waiting one may go."""
    shared_slot_release(document_previews, slot=slot, slots=settings.PREVIEW_JOBS_PER_COMPANY)
