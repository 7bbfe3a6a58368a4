"""Files saved for rows of a transaction that fails are deleted with it: storage is not
transactional, so without this each failed attempt of a job (retried until it works) left
an orphan file behind."""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar

from botocore.exceptions import BotoCoreError, ClientError
from django.db.models.fields.files import FieldFile

logger = logging.getLogger(__name__)

# What storing a file raises when the storage cannot take it now: a full or failing disk
# (FileSystemStorage), an S3 endpoint that does not answer or refuses (S3 storage).
STORAGE_UNAVAILABLE = (OSError, BotoCoreError, ClientError)
_PENDING: ContextVar[list[tuple[object, str]] | None] = ContextVar("stored_files_pending", default=None)


def stored_file_note(file: FieldFile) -> None:
    """A file just saved for a row written in the current block (a no-op outside one)."""
    pending = _PENDING.get()
    if pending is not None and file.name:
        pending.append((file.storage, file.name))


@contextlib.contextmanager
def stored_files_removed_on_failure():
    """Wrap a job's transaction: when the block raises (so its rows roll back), the files
    noted inside it are deleted too. Nested blocks hand their files to the outer one."""
    outer = _PENDING.get()
    pending: list[tuple[object, str]] = []
    token = _PENDING.set(pending)
    try:
        yield
    except BaseException:
        for storage, name in pending:
            try:
                storage.delete(name)
            except Exception:  # the failure being raised matters more than a file left over
                logger.warning("could not delete %s after a failed transaction", name, exc_info=True)
        raise
    finally:
        _PENDING.reset(token)
    if outer is not None:
        outer.extend(pending)
