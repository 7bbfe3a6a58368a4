"""The documents list token (`DocumentListState`)."""

from __future__ import annotations

import contextlib
import uuid

from django.db import connection, transaction
from django_tenants.utils import schema_context

from documents.models import DocumentListState

# The documents list token (`DocumentListState`) is renewed in the transaction that changes
# document rows, so cached pages are never served stale and a rollback restores it with the
# rows. Renewing locks the company's one token row until commit, so it is done late: at the
# end of the writing service, after its file I/O, and for writes in several companies at once
# (envelope completion) together, in schema order, so that two such transactions never wait
# on each other's rows. A commit hook renews whatever a writer left pending.
_LIST_CHANGED = "documents_list_changed_in"


_LIST_BATCHED = "documents_list_changes_batched"


def document_list_changed() -> None:
    """A document row of the current company changed (called by the model signals)."""
    pending = connection.__dict__.setdefault(_LIST_CHANGED, set())
    if not pending:  # one commit hook for what is noted until the next flush
        transaction.on_commit(lambda: document_list_changes_flush(force=True))
    pending.add(connection.schema_name)


def document_list_changes_flush(*, force: bool = False) -> None:
    if connection.__dict__.get(_LIST_BATCHED) and not force:
        return
    for schema in sorted(connection.__dict__.pop(_LIST_CHANGED, set())):
        with schema_context(schema):
            DocumentListState.objects.bulk_create(
                [DocumentListState(id=1, token=uuid.uuid4())],
                update_conflicts=True,
                unique_fields=["id"],
                update_fields=["token"],
            )


@contextlib.contextmanager
def document_list_changes_batched():
    """Writes in several companies' documents: renew their list tokens together at the end."""
    connection.__dict__[_LIST_BATCHED] = connection.__dict__.get(_LIST_BATCHED, 0) + 1
    try:
        yield
    finally:
        connection.__dict__[_LIST_BATCHED] -= 1
    document_list_changes_flush()
