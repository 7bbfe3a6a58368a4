"""The facts about a PDF that decide whether a seal can be added, shared by the upload
check (documents/pdf/inspect.py) and the signing code (sign.py), so that both refuse the
same file for the same reason. Pure functions; refusals are InvalidPdf with a code.

A refusal is permanent (`is_permanent`): the same file is refused the same way however
often it is tried, so a sealing job fails at once instead of retrying."""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass

from pyhanko.pdf_utils.crypt import AuthStatus, StandardSecurityHandler
from pyhanko.pdf_utils.crypt.permissions import StandardPermissions
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel, SuspiciousModification
from pyhanko.sign.fields import FieldMDPAction, FieldMDPSpec, MDPPerm, enumerate_sig_fields
from pypdf import PdfReader
from pypdf.errors import PyPdfError

PDF_MAGIC = b"%PDF-"
LIBRARY_LOGGERS = ("pyhanko", "pyhanko_certvalidator")

# Creating a signature field needs both "modify" (bit 4) and "annotations and forms"
# (bit 6): ISO 32000-1 table 22, bit 6 "if bit 4 is also set, create or modify interactive
# form fields (including signature fields)".
SEAL_PERMISSIONS = {
    "modify": StandardPermissions.ALLOW_MODIFICATION_GENERIC,
    "annotate": StandardPermissions.ALLOW_ANNOTS_FORM_FILLING,
}

READ_ERRORS = (PdfError, PyPdfError, KeyError, ValueError, TypeError, AttributeError, IndexError, RecursionError)


class InvalidPdf(ValueError):
    """A reason this file cannot be accepted or sealed. Permanent: retrying cannot help."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code = code
        self.detail = detail


def is_permanent(exc: BaseException) -> bool:
    """Whether a failure while sealing is a property of the file (fail at once with
    `exc.code`) rather than of the moment (retry)."""
    return isinstance(exc, InvalidPdf)


@dataclass(frozen=True)
class PageBox:
    """The visible page in PDF user space, normalised (left < right, bottom < top): the
    CropBox clipped to the MediaBox, as viewers show it. `user_unit`: the size of one user
    space unit in points (PDF 1.6 /UserUnit)."""

    left: float
    bottom: float
    right: float
    top: float
    rotation: int
    user_unit: float = 1.0

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom


# Files this process has checked or written itself (SHA-256): the next placement of a job
# seals the previous one's output, which need not be walked again.
_CHECKED: dict[bytes, None] = {}


def remember_checked(data: bytes) -> None:
    _CHECKED[hashlib.sha256(data).digest()] = None
    while len(_CHECKED) > 32:
        _CHECKED.pop(next(iter(_CHECKED)))


def sealing_reader(data: bytes) -> PdfFileReader:
    """A pyHanko reader over `data`, opened as sealing opens it: an owner-password file
    (empty user password) is authenticated and must allow signature fields, and every
    object the cross-reference data lists must be where it says. Raises InvalidPdf."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            _authenticate(reader)
        if hashlib.sha256(data).digest() not in _CHECKED:
            _assert_objects_readable(reader)
        reader.root["/Pages"]["/Count"]  # noqa: B018  (a catalog without pages is damaged)
    except InvalidPdf:
        raise
    except READ_ERRORS as exc:
        raise InvalidPdf("malformed", str(exc)[:200]) from exc
    return reader


def _authenticate(reader: PdfFileReader) -> None:
    handler = reader.security_handler
    if not isinstance(handler, StandardSecurityHandler):
        raise InvalidPdf("encrypted", "certificate encryption")
    result = reader.decrypt(b"")
    if result.status == AuthStatus.FAILED:
        raise InvalidPdf("encryption_unsupported" if _opens_without_password(reader) else "encrypted")
    if result.status == AuthStatus.USER:
        granted = result.permission_flags
        missing = [name for name, flag in SEAL_PERMISSIONS.items() if granted is None or flag not in granted]
        if missing:
            raise InvalidPdf("permission_denied", ",".join(missing))


def _opens_without_password(reader: PdfFileReader) -> bool:
    """pypdf opens some files with the empty password that pyHanko cannot (a /P value with
    its reserved bits cleared): they open in viewers, but a seal cannot be added."""
    try:
        return bool(PdfReader(reader.stream, strict=False).decrypt(""))
    except READ_ERRORS:
        return False


def _assert_objects_readable(reader: PdfFileReader) -> None:
    """Read every object the cross-reference data lists: an entry pointing at the wrong
    object ("Expected object ID (3 0) does not match actual (2 0)") fails here, not when
    the signature is written."""
    xrefs = reader.xrefs
    refs = set()
    for revision in range(xrefs.total_revisions):
        refs |= xrefs.explicit_refs_in_revision(revision)
        refs -= xrefs.refs_freed_in_revision(revision)
    for ref in refs:
        reader.get_object(ref)


# Signature dictionaries are never compressed (their /Contents is written in place), so a
# certification or a field lock shows in the raw bytes: most files need no closer look.
RESTRICTION_NAMES = re.compile(rb"/(?:DocMDP|FieldMDP|Lock)\b")
_LOCK_ALL = FieldMDPAction.ALL


def may_restrict_changes(data: bytes) -> bool:
    return RESTRICTION_NAMES.search(data) is not None


def changes_refusal(reader: PdfFileReader) -> str:
    return changes_refusal_and_holder(reader)[0]


def changes_refusal_and_holder(reader: PdfFileReader) -> tuple[str, str]:
    """Why the author forbids adding a seal: a certification with "no changes allowed"
    (DocMDP P1), or a signed field whose lock says the same (FieldMDP /P 1); else "".
    With the name of the signature field that holds the lock. Read from the signature
    dictionaries, without validating anything."""
    for name, value, field_ref in enumerate_sig_fields(reader, filled_status=True):
        if value is None:
            continue
        lock = _resolved(field_ref.get_object().get("/Lock"))
        if lock is not None and _permission(lock) == 1:
            return "locked_by_signature", str(name)
        for reference in _signature_references(value):
            method = str(_resolved(reference.get("/TransformMethod")))
            if method == "/DocMDP" and _permission(_resolved(reference.get("/TransformParams", {}))) == 1:
                return "certified_no_changes", str(name)
    return "", ""


def _signature_references(value) -> list:
    references = _resolved(_resolved(value).get("/Reference", ()))
    return [_resolved(reference) for reference in references]


def certification_permission(reader: PdfFileReader) -> int | None:
    """The DocMDP level of the certifying signature (1 no changes, 2 form filling and
    signing, 3 also annotations), or None for a document nobody certified."""
    for _name, value, _field_ref in enumerate_sig_fields(reader, filled_status=True):
        if value is None:
            continue
        for reference in _signature_references(value):
            if str(_resolved(reference.get("/TransformMethod"))) == "/DocMDP":
                return _permission(_resolved(reference.get("/TransformParams", {})))
    return None


@dataclass(frozen=True)
class PreparedField:
    """An empty signature field with a widget on a page, prepared by the document's author:
    the only place a certified document (DocMDP P2/P3) lets a visible seal go."""

    name: str
    page: int
    left: float
    bottom: float
    right: float
    top: float


def field_locks(reader: PdfFileReader) -> list[tuple[str, FieldMDPSpec]]:
    """(signature field name, lock) for every signature that locks form fields: a /Lock
    on its field or a FieldMDP transform in its signature dictionary."""
    locks = []
    for name, value, field_ref in enumerate_sig_fields(reader, filled_status=True):
        if value is None:
            continue
        lock = _resolved(field_ref.get_object().get("/Lock"))
        specs = [lock] if lock is not None else []
        for reference in _signature_references(value):
            if str(_resolved(reference.get("/TransformMethod"))) == "/FieldMDP":
                specs.append(_resolved(reference.get("/TransformParams", {})))
        for spec in specs:
            try:
                locks.append((str(name), FieldMDPSpec.from_pdf_object(spec)))
            except READ_ERRORS:  # an unreadable lock locks everything
                locks.append((str(name), FieldMDPSpec(action=_LOCK_ALL)))
    return locks


def prepared_fields(reader: PdfFileReader) -> tuple[list[PreparedField], list[str]]:
    """The empty signature fields with a visible widget on a page, and the names of the
    signatures whose locks cover the other empty fields (never changed by a seal)."""
    annotation_pages = {}
    for index in range(int(reader.root["/Pages"]["/Count"])):
        page_ref = reader.find_page_for_modification(index)[0]
        for annotation in _resolved(page_ref.get_object().get("/Annots", ())) or ():
            if hasattr(annotation, "reference"):
                annotation_pages.setdefault(annotation.reference, index)
    locks = field_locks(reader)
    free, holders = [], []
    for name, _value, field_ref in enumerate_sig_fields(reader, filled_status=False):
        name = str(name)
        holder = next((holder for holder, spec in locks if spec.is_locked(name)), None)
        field = field_ref.get_object()
        widgets = [field_ref] if "/Rect" in field else list(field.get("/Kids", ()))
        for widget_ref in widgets:
            widget = widget_ref.get_object()
            page = annotation_pages.get(getattr(widget_ref, "reference", None))
            try:
                x1, y1, x2, y2 = (float(v) for v in widget.get("/Rect", (0, 0, 0, 0)))
            except (TypeError, ValueError):
                continue
            left, bottom, right, top = min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)
            if page is None or right - left < 1 or top - bottom < 1:
                continue  # invisible: no place for a seal
            if holder is not None:
                holders.append(holder)
            else:
                free.append(PreparedField(name, page, left, bottom, right, top))
            break
    return free, holders


def _resolved(value):
    """The object itself, through indirect references and the decrypting proxies pyHanko
    uses for objects of an encrypted file."""
    return value.get_object() if hasattr(value, "get_object") else value


def _permission(dictionary) -> int:
    try:
        return int(_resolved(dictionary.get("/P", 2)))
    except (TypeError, ValueError):
        return 2


def page_boxes(data: bytes) -> list[PageBox]:
    """pypdf resolves boxes inherited from the page tree. Boxes may be written in any corner
    order ([0 792 612 0]); viewers show the CropBox clipped to the MediaBox."""
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    return [page_box(page) for page in reader.pages]


def page_box(page) -> PageBox:
    media = _normalised(page.mediabox)
    crop = _normalised(page.cropbox) if "/CropBox" in page else media
    left, bottom = max(media[0], crop[0]), max(media[1], crop[1])
    right, top = min(media[2], crop[2]), min(media[3], crop[3])
    if right - left < 1 or top - bottom < 1:  # a CropBox off the page: viewers show the MediaBox
        left, bottom, right, top = media
    user_unit = float(page.get("/UserUnit", 1) or 1)
    return PageBox(left, bottom, right, top, int(page.rotation) % 360, user_unit if user_unit > 0 else 1.0)


def _normalised(box) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in box)
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def seal_size_on_page(width_mm: float, height_mm: float, page: PageBox) -> tuple[float, float]:
    """A seal's true size in the page's user space (a /UserUnit of 2 halves the numbers)."""
    points_per_mm = 72 / 25.4
    return width_mm * points_per_mm / page.user_unit, height_mm * points_per_mm / page.user_unit


# What each kind of signature lets later revisions do (pyHanko's diff analysis levels).
_ALLOWED_AFTER = {
    MDPPerm.NO_CHANGES: ModificationLevel.LTA_UPDATES,
    MDPPerm.FILL_FORMS: ModificationLevel.FORM_FILLING,
    MDPPerm.ANNOTATE: ModificationLevel.ANNOTATIONS,
    None: ModificationLevel.FORM_FILLING,  # an approval signature: later signatures and form filling
}


def signatures_within_permissions(data: bytes) -> dict[str, bool]:
    """For each signature that restricts later changes (a certification, a field lock):
    whether the revisions after it stay within what it allows, by pyHanko's diff analysis.
    No cryptography and no trust: only what changed after signing. An approval signature
    without a lock allows new signature fields and form filling, all a seal adds, so it is
    not analysed (fifty seals in one job stay fast)."""
    if not may_restrict_changes(data):
        return {}
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    if reader.encrypted:
        reader.decrypt(b"")
    restricting = _restricting_fields(reader)
    if not restricting:
        return {}
    result = {}
    for signature in reader.embedded_signatures:
        if signature.field_name not in restricting:
            continue
        try:
            if signature.coverage is None:
                signature.coverage = signature.evaluate_signature_coverage()
            diff = signature.evaluate_modifications(DEFAULT_DIFF_POLICY)
            allowed = _ALLOWED_AFTER.get(signature.docmdp_level, ModificationLevel.FORM_FILLING)
            result[signature.field_name] = (
                not isinstance(diff, SuspiciousModification) and diff.modification_level <= allowed
            )
        except Exception:  # a signature we cannot analyse counts as not kept
            result[signature.field_name] = False
    return result


def _restricting_fields(reader: PdfFileReader) -> set[str]:
    """Names of signed fields whose signature certifies (DocMDP) or locks (FieldMDP, /Lock)."""
    names = set()
    for name, value, field_ref in enumerate_sig_fields(reader, filled_status=True):
        if value is None:
            continue
        references = _resolved(_resolved(value).get("/Reference", ()))
        methods = {str(_resolved(_resolved(reference).get("/TransformMethod"))) for reference in references}
        if methods & {"/DocMDP", "/FieldMDP"} or "/Lock" in field_ref.get_object():
            names.add(name)
    return names


def signatures_broken_by(before: bytes, after: bytes) -> list[str]:
    """The signatures that allowed everything up to `before` but not what `after` added."""
    now = signatures_within_permissions(after)
    broken = [name for name, kept in now.items() if not kept]
    if not broken:
        return []
    earlier = signatures_within_permissions(before)
    return [name for name in broken if earlier.get(name, False)]


def refusal_for_broken(data: bytes, broken: list[str]) -> str:
    """The refusal code for a seal that would take `broken` signatures outside their
    permissions: a certification (it allows signing only the fields the author prepared),
    or a signature's field lock."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    if reader.encrypted:
        reader.decrypt(b"")
    certifying = any(
        signature.field_name in broken and signature.docmdp_level is not None
        for signature in reader.embedded_signatures
    )
    return "certified_fields_only" if certifying else "locked_by_signature"


class _OneLine(logging.Filter):
    """A library's warning with its exception in one line: an untrusted signer or a
    disallowed change is a verdict, not a failure, and must not log a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {str(error)[:300]}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_library_tracebacks() -> None:
    """Put `_OneLine` on every pyHanko logger (a logger's filters see only its own records)."""
    one_line = _OneLine()
    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in LIBRARY_LOGGERS:
            logger = logging.getLogger(name)
            if not any(isinstance(existing, _OneLine) for existing in logger.filters):
                logger.addFilter(one_line)
