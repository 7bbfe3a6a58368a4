"""Keeps the documents list token (`DocumentListState`) in step with document rows."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from documents.list_cache import document_list_changed
from documents.models import Document


@receiver(post_save, sender=Document, dispatch_uid="document-list-changed-on-save")
@receiver(post_delete, sender=Document, dispatch_uid="document-list-changed-on-delete")
def _document_row_changed(sender, **kwargs) -> None:
    # Runs in the schema the row was written in, also when another company's copy is delivered.
    document_list_changed()
