"""Active content in a PDF: what runs or opens something when a reader opens the file, clicks
in it or fills it in (JavaScript, launching programs, opening or submitting to other files and
addresses, embedded files, multimedia, XFA forms). A sealed file is sent to counterparties who
trust it because of the seal, so the company is told what its file carries and may remove it
in a normalised first version, before any seal (a rewrite would void existing signatures).

Pure functions over bytes (pypdf); callers run them under the read limits of `limits.py`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# Action types that run code or leave the document. Plain GoTo (a page view) is harmless;
# web links are reported apart, as most contracts carry a few.
RUNNING_ACTIONS = {
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/GoToR": "other_file",
    "/GoToE": "embedded_file",
    "/ImportData": "import_data",
    "/SubmitForm": "submit_form",
    "/Rendition": "multimedia",
    "/RichMediaExecute": "multimedia",
    "/Sound": "multimedia",
    "/Movie": "multimedia",
}
MULTIMEDIA_ANNOTATIONS = {"/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
MAX_ACTIONS = 10_000  # action chains and field trees are walked with a budget, not trusted


@dataclass(frozen=True)
class ActiveContent:
    """Kinds found (sorted codes, e.g. ["embedded_file", "javascript"]) and web addresses."""

    kinds: list[str] = field(default_factory=list)
    web_links: int = 0

    @property
    def found(self) -> bool:
        return bool(self.kinds)

    def as_data(self) -> dict:
        return {"kinds": list(self.kinds), "web_links": self.web_links}


class _Walk:
    def __init__(self):
        self.kinds: set[str] = set()
        self.web_links = 0
        self.budget = MAX_ACTIONS
        self.seen: set[tuple[int, int]] = set()

    def _resolved(self, value):
        if isinstance(value, IndirectObject):
            key = (value.idnum, value.generation)
            if key in self.seen:
                return None
            self.seen.add(key)
            value = value.get_object()
        return value

    def action(self, value) -> None:
        """One action, its /Next chain (an action or an array of them)."""
        pending = [value]
        while pending and self.budget > 0:
            self.budget -= 1
            item = self._resolved(pending.pop())
            if isinstance(item, ArrayObject):
                pending.extend(item)
                continue
            if not isinstance(item, DictionaryObject):
                continue
            kind = item.get("/S")
            if kind in RUNNING_ACTIONS:
                self.kinds.add(RUNNING_ACTIONS[kind])
            elif kind == "/URI":
                self.web_links += 1
            if "/Next" in item:
                pending.append(item["/Next"])

    def additional_actions(self, owner) -> None:
        actions = self._resolved(owner.get("/AA")) if isinstance(owner, DictionaryObject) else None
        if isinstance(actions, DictionaryObject):
            for trigger in list(actions.values()):
                self.action(trigger)

    def annotation(self, annotation) -> None:
        annotation = self._resolved(annotation)
        if not isinstance(annotation, DictionaryObject) or self.budget <= 0:
            return
        self.budget -= 1
        subtype = annotation.get("/Subtype")
        if subtype == "/FileAttachment":
            self.kinds.add("embedded_file")
        elif subtype in MULTIMEDIA_ANNOTATIONS:
            self.kinds.add("multimedia")
        if "/A" in annotation:
            self.action(annotation["/A"])
        self.additional_actions(annotation)

    def fields(self, fields) -> None:
        pending = [fields]
        while pending and self.budget > 0:
            self.budget -= 1
            item = self._resolved(pending.pop())
            if isinstance(item, ArrayObject):
                pending.extend(item)
            elif isinstance(item, DictionaryObject):
                self.additional_actions(item)
                if "/A" in item:
                    self.action(item["/A"])
                if "/Kids" in item:
                    pending.append(item["/Kids"])


def _name_tree_has_entries(tree) -> bool:
    tree = tree.get_object() if isinstance(tree, IndirectObject) else tree
    return isinstance(tree, DictionaryObject) and bool(tree.get("/Names") or tree.get("/Kids"))


def active_content_find(data: bytes) -> ActiveContent:
    """What in this file can run or open something. Never raises for odd structure: an
    entry that cannot be read is skipped (the file was already accepted as a PDF)."""
    reader = PdfReader(io.BytesIO(data), strict=False)
    catalog = reader.trailer["/Root"].get_object()
    walk = _Walk()
    names = catalog.get("/Names")
    names = names.get_object() if names is not None else None
    if isinstance(names, DictionaryObject):
        if _name_tree_has_entries(names.get("/JavaScript")):
            walk.kinds.add("javascript")
        if _name_tree_has_entries(names.get("/EmbeddedFiles")):
            walk.kinds.add("embedded_file")
    open_action = catalog.get("/OpenAction")
    if open_action is not None and not isinstance(open_action.get_object(), ArrayObject):
        walk.action(open_action)  # an array is a destination (which page to show), not an action
    walk.additional_actions(catalog)
    form = catalog.get("/AcroForm")
    form = form.get_object() if form is not None else None
    if isinstance(form, DictionaryObject):
        if "/XFA" in form:
            walk.kinds.add("xfa_form")
        if "/Fields" in form:
            walk.fields(form["/Fields"])
    for page in reader.pages:
        walk.additional_actions(page)
        annotations = page.get("/Annots")
        annotations = annotations.get_object() if annotations is not None else None
        if isinstance(annotations, ArrayObject):
            for annotation in annotations:
                walk.annotation(annotation)
    return ActiveContent(kinds=sorted(walk.kinds), web_links=walk.web_links)


def _strip_actions(owner: DictionaryObject, key: str = "/A") -> None:
    """Drop `owner`'s triggered actions and its `key` action unless that is a web link or a
    page jump (whose /Next chain goes)."""
    if "/AA" in owner:
        del owner["/AA"]
    action = owner.get(key)
    if action is None:
        return
    action = action.get_object()
    if isinstance(action, DictionaryObject) and action.get("/S") in ("/URI", "/GoTo"):
        if "/Next" in action:  # a harmless jump may chain to anything
            del action["/Next"]
    else:
        del owner[key]


def active_content_remove(data: bytes) -> bytes:
    """The same pages, text, images, links to web addresses and form fields, without what
    can run or open something: a full rewrite, so only for a file with no signature yet."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data), strict=False))
    catalog = writer.root_object
    names = catalog.get("/Names")
    if names is not None:
        names = names.get_object()
        for tree in ("/JavaScript", "/EmbeddedFiles"):
            if tree in names:
                del names[tree]
    open_action = catalog.get("/OpenAction")
    if open_action is not None and not isinstance(open_action.get_object(), ArrayObject):
        _strip_actions(catalog, key="/OpenAction")
    if "/AA" in catalog:
        del catalog["/AA"]
    form = catalog.get("/AcroForm")
    if form is not None:
        form = form.get_object()
        if "/XFA" in form:
            del form["/XFA"]
        pending = [form.get("/Fields")]
        budget = MAX_ACTIONS
        while pending and budget > 0:
            budget -= 1
            item = pending.pop()
            item = item.get_object() if item is not None else None
            if isinstance(item, ArrayObject):
                pending.extend(item)
            elif isinstance(item, DictionaryObject):
                _strip_actions(item)
                pending.append(item.get("/Kids"))
    for page in writer.pages:
        if "/AA" in page:
            del page["/AA"]
        annotations = page.get("/Annots")
        annotations = annotations.get_object() if annotations is not None else None
        if not isinstance(annotations, ArrayObject):
            continue
        kept = ArrayObject()
        for annotation in annotations:
            resolved = annotation.get_object()
            if isinstance(resolved, DictionaryObject):
                if resolved.get("/Subtype") in MULTIMEDIA_ANNOTATIONS | {"/FileAttachment"}:
                    continue
                _strip_actions(resolved)
            kept.append(annotation)
        page[NameObject("/Annots")] = kept
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def active_content_remove_unless_protected(data: bytes) -> bytes | None:
    """`active_content_remove`, or None for a file carrying its author's security settings
    (an owner password): the rewrite would silently drop them."""
    if PdfReader(io.BytesIO(data), strict=False).is_encrypted:
        return None
    return active_content_remove(data)
