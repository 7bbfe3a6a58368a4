"""The documents list token (`DocumentListState`): pages of the documents list are cached
under it (documents/apis.py), so it changes whenever a company's list changes.

The services that add, change or delete a document call `document_list_changed()`
themselves, at the end of their writes (documents/services/versions.py). The token row is
renewed in their transaction, so a rollback restores it with the rows and a page cached
inside the transaction is never served; it stays locked until commit, hence late: after the
file I/O. Writes in several companies at once (a completed envelope delivers copies) run
inside `document_list_changes_batched()`, which renews the changed companies' tokens
together at its end, in schema order, so two such transactions never wait on each other."""

from __future__ import annotations

import contextlib
import uuid
from contextvars import ContextVar

from django.db import connection
from django_tenants.utils import schema_context

from documents.models import DocumentListState

# The schemas changed inside the open batch of this thread; None outside a batch.
_batch: ContextVar[set[str] | None] = ContextVar("document_list_batch", default=None)


def document_list_changed() -> None:
    """The documents list of the current company changed: renew its token now, or at the
    end of the open batch."""
    batch = _batch.get()
    if batch is None:
        _token_renew()
    else:
        batch.add(connection.schema_name)


@contextlib.contextmanager
def document_list_changes_batched():
    """Writes in several companies' documents: renew their list tokens together at the end
    (not when the block fails: its transaction rolls back). A nested batch joins the outer one."""
    if _batch.get() is not None:
        yield
        return
    batch: set[str] = set()
    reset = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(reset)
    for schema in sorted(batch):
        with schema_context(schema):
            _token_renew()


def _token_renew() -> None:
    DocumentListState.objects.bulk_create(
        [DocumentListState(id=1, token=uuid.uuid4())],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["token"],
    )
