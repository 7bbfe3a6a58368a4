"""Static files in production: compressed, with hashed names from `collectstatic`'s
manifest (`make run` collects them before starting)."""

from __future__ import annotations

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """A file missing from the manifest (static files not collected on this machine yet)
    is linked by its plain name: the page still renders, with that one file missing,
    instead of every page answering 500."""

    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:
            logger.warning("static file %s is not collected; run manage.py collectstatic", name)
            return name
