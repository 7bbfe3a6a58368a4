"""Files chosen in a form that failed for another reason (a password typed differently
twice) are kept for the next try: browsers never fill a file field in again. They wait in
private storage, named in the person's session only, until the form goes through or is
opened afresh."""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

STAGED_DIRECTORY = "private/staged-uploads"


def staged_uploads_load(session, key: str) -> dict[str, UploadedFile]:
    """The files kept under `key` in this session, as uploads a form accepts."""
    found = {}
    for field, kept in (session.get(key) or {}).items():
        path = kept.get("path", "")
        if not path.startswith(f"{STAGED_DIRECTORY}/") or not default_storage.exists(path):
            continue
        with default_storage.open(path, "rb") as handle:
            found[field] = SimpleUploadedFile(kept["name"], handle.read(), kept.get("content_type", ""))
    return found


def staged_uploads_keep(session, key: str, files: dict[str, UploadedFile]) -> None:
    """Keep `files` (replacing what was kept for the same fields) for the next try."""
    kept = dict(session.get(key) or {})
    for field, upload in files.items():
        if upload is None:
            continue
        upload.seek(0)
        path = default_storage.save(f"{STAGED_DIRECTORY}/{uuid.uuid4().hex}", ContentFile(upload.read()))
        upload.seek(0)
        if field in kept and kept[field].get("path") != path:
            default_storage.delete(kept[field]["path"])
        kept[field] = {"path": path, "name": upload.name, "content_type": upload.content_type or ""}
    session[key] = kept


def staged_uploads_clear(session, key: str) -> None:
    for kept in (session.pop(key, None) or {}).values():
        path = kept.get("path", "")
        if path.startswith(f"{STAGED_DIRECTORY}/"):
            default_storage.delete(path)
